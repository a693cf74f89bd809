import { z } from "zod";
import { getPipelineVersion } from "../../services/pipelines";
import {
  approveStep,
  cancelRun,
  getRun,
  listRuns,
  listStepLogs,
  resumeRun,
  startRun,
} from "../../services/runs";
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
  logs: publicProcedure
    .input(
      z.object({
        runId: z.string().uuid(),
        stepId: z.string().min(1).optional(),
        search: z.string().max(200).optional(),
      }),
    )
    .query(({ ctx, input }) => listStepLogs(ctx.getDb(), input)),
  get: publicProcedure
    .input(z.object({ runId: z.string().uuid() }))
    .query(({ ctx, input }) => getRun(ctx.getDb(), input.runId)),
  start: publicProcedure
    .input(
      z.object({
        pipelineId: z.string().uuid(),
        version: z.number().int().positive().optional(),
        cache: z.boolean().default(true),
        /** Run only this node, on the cached outputs of its upstream steps. */
        only: z.string().min(1).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const version = await getPipelineVersion(ctx.getDb(), input.pipelineId, input.version);
      return startRun(ctx.getDb(), await ctx.getTemporal(), {
        pipelineVersionId: version.id,
        trigger: input.only ? "node" : "ui",
        cache: input.cache,
        only: input.only,
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
  /** Retry from failed (no fromStep) or re-run from a step, on the same or the latest version. */
  resume: publicProcedure
    .input(
      z.object({
        runId: z.string().uuid(),
        fromStep: z.string().min(1).optional(),
        latestVersion: z.boolean().default(false),
      }),
    )
    .mutation(async ({ ctx, input }) => resumeRun(ctx.getDb(), await ctx.getTemporal(), input)),
  approve: publicProcedure
    .input(
      z.object({
        runId: z.string().uuid(),
        stepId: z.string().min(1),
        approved: z.boolean(),
        comment: z.string().max(2000).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      // The approver's identity comes from the session once sign-in lands (people issue).
      await approveStep(ctx.getDb(), await ctx.getTemporal(), { ...input, by: "anonymous" });
      return { ok: true };
    }),
});
