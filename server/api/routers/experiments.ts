import { z } from "zod";
import { listExperiments } from "../../services/experiments";
import { publicProcedure, router } from "../trpc";

export const experimentsRouter = router({
  /** Params, metrics and curves of every training step and trial of a run. */
  forRun: publicProcedure
    .input(z.object({ runId: z.string().uuid() }))
    .query(({ ctx, input }) => listExperiments(ctx.getDb(), input.runId)),
});
