import { artifactsRouter } from "./routers/artifacts";
import { connectionsRouter } from "./routers/connections";
import { experimentsRouter } from "./routers/experiments";
import { deploymentsRouter, modelsRouter } from "./routers/registry";
import { monitoringRouter, schedulesRouter } from "./routers/schedules";
import { healthRouter } from "./routers/health";
import { dashboardRouter, historyRouter } from "./routers/history";
import { auditRouter, meRouter, membersRouter, workspacesRouter } from "./routers/people";
import { nodesRouter } from "./routers/nodes";
import { pipelinesRouter } from "./routers/pipelines";
import { runsRouter } from "./routers/runs";
import { tokensRouter } from "./routers/tokens";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  artifacts: artifactsRouter,
  audit: auditRouter,
  connections: connectionsRouter,
  dashboard: dashboardRouter,
  experiments: experimentsRouter,
  deployments: deploymentsRouter,
  health: healthRouter,
  history: historyRouter,
  me: meRouter,
  members: membersRouter,
  nodes: nodesRouter,
  models: modelsRouter,
  monitoring: monitoringRouter,
  pipelines: pipelinesRouter,
  runs: runsRouter,
  schedules: schedulesRouter,
  tokens: tokensRouter,
  workspaces: workspacesRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
