import { z } from "zod";
import { assertRun } from "../../auth/access";
import { listExperiments } from "../../services/experiments";
import { analystProcedure, router } from "../trpc";

export const experimentsRouter = router({
  /** Params, metrics and curves of every training step and trial of a run. */
  forRun: analystProcedure
    .input(z.object({ runId: z.string().uuid() }))
    .query(async ({ ctx, input }) => {
      await assertRun(ctx.getDb(), ctx.principal, input.runId);
      return listExperiments(ctx.getDb(), input.runId);
    }),
});
