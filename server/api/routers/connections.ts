import { z } from "zod";
import { assertConnection } from "../../auth/access";
import { audit } from "../../auth/audit";
import {
  connectionInput,
  createConnection,
  deleteConnection,
  listConnections,
  testConnection,
} from "../../services/connections";
import { adminProcedure, analystProcedure, router } from "../trpc";

/** Everyone may use the workspace's data sources; only admins add or remove them (settings). */
export const connectionsRouter = router({
  list: analystProcedure.query(({ ctx }) =>
    listConnections(ctx.getDb(), ctx.principal.workspaceId),
  ),
  create: adminProcedure.input(connectionInput).mutation(async ({ ctx, input }) => {
    const created = await createConnection(ctx.getDb(), ctx.principal.workspaceId, input);
    await audit(ctx.getDb(), ctx.principal, {
      action: "connection.create",
      targetType: "connection",
      targetId: created.id,
      detail: { name: input.name },
    });
    return created;
  }),
  delete: adminProcedure
    .input(z.object({ id: z.string().uuid() }))
    .mutation(async ({ ctx, input }) => {
      await assertConnection(ctx.getDb(), ctx.principal, input.id);
      await deleteConnection(ctx.getDb(), input.id);
      await audit(ctx.getDb(), ctx.principal, {
        action: "connection.delete",
        targetType: "connection",
        targetId: input.id,
      });
      return { ok: true };
    }),
  test: analystProcedure
    .input(z.object({ id: z.string().uuid() }))
    .mutation(async ({ ctx, input }) => {
      await assertConnection(ctx.getDb(), ctx.principal, input.id);
      return testConnection(ctx.getDb(), input.id);
    }),
});
