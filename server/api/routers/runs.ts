import { z } from "zod";
import { getPipelineVersion } from "../../services/pipelines";
import { cancelRun, getRun, listRuns, startRun } from "../../services/runs";
import { ensureSamplePipeline } from "../../services/samples";
import { publicProcedure, router } from "../trpc";

export const runsRouter = router({
  list: publicProcedure
    .input(
      z
        .object({
          pipelineId: z.string().uuid().optional(),
          limit: z.number().int().min(1).max(500).optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => listRuns(ctx.getDb(), input ?? {})),
  get: publicProcedure
    .input(z.object({ runId: z.string().uuid() }))
    .query(({ ctx, input }) => getRun(ctx.getDb(), input.runId)),
  start: publicProcedure
    .input(
      z.object({ pipelineId: z.string().uuid(), version: z.number().int().positive().optional() }),
    )
    .mutation(async ({ ctx, input }) => {
      const version = await getPipelineVersion(ctx.getDb(), input.pipelineId, input.version);
      return startRun(ctx.getDb(), await ctx.getTemporal(), {
        pipelineVersionId: version.id,
        trigger: "ui",
      });
    }),
  startSample: publicProcedure.mutation(async ({ ctx }) => {
    const saved = await ensureSamplePipeline(ctx.getDb());
    return startRun(ctx.getDb(), await ctx.getTemporal(), {
      pipelineVersionId: saved.version.id,
      trigger: "sample",
    });
  }),
  cancel: publicProcedure
    .input(z.object({ runId: z.string().uuid() }))
    .mutation(async ({ ctx, input }) => {
      await cancelRun(ctx.getDb(), await ctx.getTemporal(), input.runId);
      return { ok: true };
    }),
});
