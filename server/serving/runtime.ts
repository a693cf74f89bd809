import { defaultArtifactStore } from "../artifacts/default-store";
import { getDb } from "../db/client";
import { env } from "../env";
import { createServingApp } from "./app";
import { PredictionLogger } from "./logger";
import { ServingState } from "./state";

type Serving = ReturnType<typeof createServing>;
const globalForServing = globalThis as unknown as { serving?: Serving };

function createServing() {
  const db = getDb();
  const state = new ServingState(db, defaultArtifactStore()).start();
  const logger = new PredictionLogger(db, env().PREDICTION_RETENTION_DAYS);
  return { state, logger, app: createServingApp({ db, state, logger }) };
}

/** One serving state per process, started on first use (web app or `npm run serve`). */
export function getServing(): Serving {
  globalForServing.serving ??= createServing();
  return globalForServing.serving;
}
