import { z } from "zod";
import { assertRun, visibleRuns } from "../../auth/access";
import { audit } from "../../auth/audit";
import { runStatuses } from "../../db/schema";
import { dashboard } from "../../services/dashboard";
import { compareRuns } from "../../services/run-compare";
import { runGraph } from "../../services/run-graph";
import { historySorts, listRunHistory, listRunUsers, setRunTags } from "../../services/run-history";
import { analystProcedure, managerProcedure, router } from "../trpc";

const runId = z.string().uuid();
const tag = z.string().regex(/^[\w.:-]{1,40}$/, "1 to 40 letters, digits, and . _ : - only");

export const historyRouter = router({
  /** Run history with filters, sorting and paging; analysts see theirs, managers everything. */
  runs: analystProcedure
    .input(
      z
        .object({
          pipelineId: z.string().uuid().optional(),
          status: z.enum(runStatuses).optional(),
          triggeredBy: z.string().uuid().optional(),
          from: z.coerce.date().optional(),
          to: z.coerce.date().optional(),
          tag: tag.optional(),
          sort: z.enum(historySorts).default("createdAt"),
          order: z.enum(["asc", "desc"]).default("desc"),
          limit: z.number().int().min(1).max(500).default(50),
          offset: z.number().int().min(0).default(0),
        })
        .default({ sort: "createdAt", order: "desc", limit: 50, offset: 0 }),
    )
    .query(({ ctx, input }) =>
      listRunHistory(ctx.getDb(), ctx.principal.workspaceId, visibleRuns(ctx.principal), input),
    ),
  /** The people who started runs the caller can see, for the history's user filter. */
  users: analystProcedure.query(({ ctx }) => listRunUsers(ctx.getDb(), visibleRuns(ctx.principal))),
  compare: analystProcedure
    .input(
      z.object({
        runIds: z
          .array(runId)
          .min(2)
          .max(5)
          .refine((ids) => new Set(ids).size === ids.length, "name each run once"),
      }),
    )
    .query(async ({ ctx, input }) => {
      for (const id of input.runIds) await assertRun(ctx.getDb(), ctx.principal, id);
      return compareRuns(ctx.getDb(), ctx.principal.workspaceId, input.runIds);
    }),
  /** The run's DAG and the previous run of its pipeline, for the run page. */
  graph: analystProcedure.input(z.object({ runId })).query(async ({ ctx, input }) => {
    await assertRun(ctx.getDb(), ctx.principal, input.runId);
    return runGraph(ctx.getDb(), visibleRuns(ctx.principal), input.runId);
  }),
  /** Replaces a run's tags. */
  setTags: analystProcedure
    .input(z.object({ runId, tags: z.array(tag).max(10) }))
    .mutation(async ({ ctx, input }) => {
      await assertRun(ctx.getDb(), ctx.principal, input.runId);
      const tags = await setRunTags(ctx.getDb(), input.runId, input.tags);
      await audit(ctx.getDb(), ctx.principal, {
        action: "run.tags",
        targetType: "run",
        targetId: input.runId,
        detail: { tags },
      });
      return { tags };
    }),
});

export const dashboardRouter = router({
  /** The workspace at a glance: runs per day, durations, what serves, what waits for approval. */
  get: managerProcedure
    .input(z.object({ days: z.number().int().min(1).max(365).default(30) }).default({ days: 30 }))
    .query(({ ctx, input }) => dashboard(ctx.getDb(), ctx.principal.workspaceId, input.days)),
});
