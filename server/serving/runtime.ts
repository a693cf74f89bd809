import { defaultArtifactStore } from "../artifacts/default-store";
import { getDb } from "../db/client";
import { env } from "../../lib/env";
import { createServingApp } from "./app";
import { PredictionLogger } from "./logger";
import { localScorers, type ScorerFactory } from "./scorer";
import { ServingState } from "./state";

type Serving = ReturnType<typeof createServing>;
const globalForServing = globalThis as unknown as { serving?: Serving };

function createServing(scorers: ScorerFactory) {
  const db = getDb();
  const state = new ServingState(db, defaultArtifactStore(), 1000, scorers).start();
  const logger = new PredictionLogger(db, env().PREDICTION_RETENTION_DAYS);
  return { state, logger, scorers, app: createServingApp({ db, state, logger }) };
}

/**
 * One serving state per process, started on first use: by the web app with sessions in its own
 * thread, by `npm run serve` with an inference thread beside the HTTP thread.
 */
export function getServing(scorers: ScorerFactory = localScorers): Serving {
  globalForServing.serving ??= createServing(scorers);
  return globalForServing.serving;
}
