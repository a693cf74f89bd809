import { z } from "zod";
import { getPipelineVersion, listPipelines, savePipeline } from "../../services/pipelines";
import { publicProcedure, router } from "../trpc";

export const pipelinesRouter = router({
  list: publicProcedure.query(({ ctx }) => listPipelines(ctx.getDb())),
  get: publicProcedure
    .input(
      z.object({ pipelineId: z.string().uuid(), version: z.number().int().positive().optional() }),
    )
    .query(({ ctx, input }) => getPipelineVersion(ctx.getDb(), input.pipelineId, input.version)),
  save: publicProcedure
    .input(
      z.object({
        pipelineId: z.string().uuid().optional(),
        document: z.unknown(),
        message: z.string().max(500).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const saved = await savePipeline(ctx.getDb(), input);
      return {
        pipelineId: saved.pipelineId,
        versionId: saved.version.id,
        version: saved.version.version,
        contentHash: saved.version.contentHash,
        created: saved.created,
      };
    }),
});
