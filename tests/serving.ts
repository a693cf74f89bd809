import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { defaultArtifactStore } from "../server/artifacts/default-store";
import { getDb } from "../server/db/client";
import { createServingApp } from "../server/serving/app";
import { PredictionLogger } from "../server/serving/logger";
import { ServingState } from "../server/serving/state";

/** The serving API on a free loopback port, refreshing deployments every 200 ms. */
export async function startServing() {
  const state = new ServingState(getDb(), defaultArtifactStore(), 200).start();
  const logger = new PredictionLogger(getDb(), 30);
  const server = serve({
    fetch: createServingApp({ db: getDb(), state, logger }).fetch,
    port: 0,
    hostname: "127.0.0.1",
  });
  await new Promise((r) => server.once("listening", r));
  return {
    state,
    logger,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.close();
      state.stop();
      await logger.close();
    },
  };
}

export type Serving = Awaited<ReturnType<typeof startServing>>;
