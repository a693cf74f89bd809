import { artifactsRouter } from "./routers/artifacts";
import { connectionsRouter } from "./routers/connections";
import { experimentsRouter } from "./routers/experiments";
import { healthRouter } from "./routers/health";
import { pipelinesRouter } from "./routers/pipelines";
import { runsRouter } from "./routers/runs";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  artifacts: artifactsRouter,
  connections: connectionsRouter,
  experiments: experimentsRouter,
  health: healthRouter,
  pipelines: pipelinesRouter,
  runs: runsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
