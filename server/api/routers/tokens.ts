import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { roles } from "../../db/schema";
import { audit } from "../../auth/audit";
import {
  createPersonalToken,
  createServiceAccount,
  listTokens,
  revokeToken,
} from "../../auth/tokens";
import { adminProcedure, analystProcedure, router, type Context } from "../trpc";

const name = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "lower-case letters, digits and dashes, up to 40");
const expiresInDays = z.number().int().min(1).max(3650).nullable().optional();

/** A leaked token must not mint more: tokens are managed from a signed-in session only. */
function sessionOnly(ctx: Context) {
  if (ctx.viaToken)
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "API tokens are managed from a signed-in session, not with a token",
    });
}

export const tokensRouter = router({
  /** The caller's tokens (admins: and the service accounts'), with last use; never the secret. */
  list: analystProcedure.query(({ ctx }) => listTokens(ctx.getDb(), ctx.principal)),
  create: analystProcedure
    .input(z.object({ name, role: z.enum(roles).optional(), expiresInDays }))
    .mutation(async ({ ctx, input }) => {
      sessionOnly(ctx);
      const t = await createPersonalToken(ctx.getDb(), ctx.principal, input);
      await audit(ctx.getDb(), ctx.principal, {
        action: "token.create",
        targetType: "api_token",
        targetId: t.id,
        detail: { name: input.name, role: t.role, expiresAt: t.expiresAt },
      });
      return t;
    }),
  createServiceAccount: adminProcedure
    .input(z.object({ name, role: z.enum(roles), expiresInDays }))
    .mutation(async ({ ctx, input }) => {
      sessionOnly(ctx);
      const t = await createServiceAccount(ctx.getDb(), ctx.principal, input);
      await audit(ctx.getDb(), ctx.principal, {
        action: "service_account.create",
        targetType: "api_token",
        targetId: t.id,
        detail: { name: input.name, role: input.role, email: t.email, expiresAt: t.expiresAt },
      });
      return t;
    }),
  revoke: analystProcedure
    .input(z.object({ id: z.string().uuid() }))
    .mutation(async ({ ctx, input }) => {
      const t = await revokeToken(ctx.getDb(), ctx.principal, input.id);
      await audit(ctx.getDb(), ctx.principal, {
        action: "token.revoke",
        targetType: "api_token",
        targetId: input.id,
        detail: { name: t.name, kind: t.kind },
      });
      return { ok: true };
    }),
});
