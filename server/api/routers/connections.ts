import { z } from "zod";
import {
  connectionInput,
  createConnection,
  deleteConnection,
  listConnections,
  testConnection,
} from "../../services/connections";
import { publicProcedure, router } from "../trpc";

export const connectionsRouter = router({
  list: publicProcedure.query(({ ctx }) => listConnections(ctx.getDb())),
  create: publicProcedure
    .input(connectionInput)
    .mutation(({ ctx, input }) => createConnection(ctx.getDb(), input)),
  delete: publicProcedure
    .input(z.object({ id: z.string().uuid() }))
    .mutation(async ({ ctx, input }) => {
      await deleteConnection(ctx.getDb(), input.id);
      return { ok: true };
    }),
  test: publicProcedure
    .input(z.object({ id: z.string().uuid() }))
    .mutation(({ ctx, input }) => testConnection(ctx.getDb(), input.id)),
});
