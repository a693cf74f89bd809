import { serve } from "@hono/node-server";
import { runMigrations } from "../db/migrate";
import { env, requireDatabaseUrl } from "../../lib/env";
import { getServing } from "./runtime";
import { threadScorers } from "./thread-scorers";

/**
 * `npm run serve`: the serving API alone (Open Inference Protocol v2 under /v2), so serving scales
 * apart from the web app. Needs DATABASE_URL and the artifact store the workers write to.
 */
const e = env();
await runMigrations(requireDatabaseUrl());
const serving = getServing(threadScorers());
const server = serve({ fetch: serving.app.fetch, port: e.SERVE_PORT, hostname: e.HOST }, (info) =>
  console.log(`serving on http://${info.address}:${info.port}/v2`),
);
const stop = () => {
  server.close();
  serving.state.stop();
  void Promise.all([serving.logger.close(), serving.scorers.close()]).finally(() =>
    process.exit(0),
  );
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
