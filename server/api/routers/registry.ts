import { randomUUID } from "node:crypto";
import { z } from "zod";
import {
  endChallenge,
  listDeployments,
  listModels,
  promote,
  rollback,
  rotateKey,
  servingHistory,
} from "../../services/registry";
import { deploymentStats } from "../../services/serving-stats";
import { publicProcedure, router } from "../trpc";

const id = z.object({ deploymentId: z.string().uuid() });
// Until sign-in lands (issue 9), actions are recorded as the API caller.
const ACTOR = "api";

export const modelsRouter = router({
  list: publicProcedure.query(({ ctx }) => listModels(ctx.getDb())),
  history: publicProcedure
    .input(z.object({ modelId: z.string().uuid().optional() }).optional())
    .query(({ ctx, input }) => servingHistory(ctx.getDb(), input?.modelId)),
});

export const deploymentsRouter = router({
  list: publicProcedure.query(({ ctx }) => listDeployments(ctx.getDb())),
  stats: publicProcedure
    .input(id.extend({ minutes: z.number().int().min(1).max(1440).default(15) }))
    .query(({ ctx, input }) => deploymentStats(ctx.getDb(), input.deploymentId, input.minutes)),
  promote: publicProcedure
    .input(id)
    .mutation(({ ctx, input }) => promote(ctx.getDb(), input.deploymentId, ACTOR, randomUUID())),
  rollback: publicProcedure
    .input(id)
    .mutation(({ ctx, input }) => rollback(ctx.getDb(), input.deploymentId, ACTOR, randomUUID())),
  endChallenge: publicProcedure
    .input(id)
    .mutation(({ ctx, input }) =>
      endChallenge(ctx.getDb(), input.deploymentId, ACTOR, randomUUID()),
    ),
  rotateKey: publicProcedure
    .input(id)
    .mutation(({ ctx, input }) => rotateKey(ctx.getDb(), input.deploymentId, ACTOR)),
});
