import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { defaultArtifactStore } from "../server/artifacts/default-store";
import { getDb } from "../server/db/client";
import { createServingApp } from "../server/serving/app";
import { PredictionLogger } from "../server/serving/logger";
import { ServingState } from "../server/serving/state";
import type { ScorerFactory } from "../server/serving/scorer";
import { threadScorers } from "../server/serving/thread-scorers";

/**
 * The serving API on a free loopback port, refreshing deployments every 200 ms, with its sessions
 * in an inference thread as `npm run serve` runs them (or in the calling thread, as the web app's
 * /v2 route runs them: `localScorers`).
 */
export async function startServing(scorers: ScorerFactory = threadScorers()) {
  const state = new ServingState(getDb(), defaultArtifactStore(), 200, scorers).start();
  const logger = new PredictionLogger(getDb(), 30);
  const app = createServingApp({ db: getDb(), state, logger });
  const server = serve({
    fetch: app.fetch,
    port: 0,
    hostname: "127.0.0.1",
  });
  await new Promise((r) => server.once("listening", r));
  return {
    /** The app itself, called as the web app's /v2 route calls it (a web Request, no Node request). */
    app,
    state,
    logger,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.close();
      state.stop();
      await logger.close();
      await scorers.close();
    },
  };
}

export type Serving = Awaited<ReturnType<typeof startServing>>;
