import { z } from "zod";
import { audit, listAudit } from "../../auth/audit";
import { workspacesOf } from "../../auth/principal";
import {
  createUser,
  createWorkspace,
  listMembers,
  removeMember,
  setApprovalWebhook,
  setFourEyes,
  setMember,
  userByEmail,
  workspaceSettings,
} from "../../auth/users";
import { PeopleError } from "../../../lib/errors";
import { atLeast } from "../../../common/roles";
import { checkWebhookUrl } from "../../monitoring/webhook";
import { roles } from "../../db/schema";
import {
  adminProcedure,
  analystProcedure,
  managerProcedure,
  router,
  signedInProcedure,
} from "../trpc";

const role = z.enum(roles);

export const meRouter = router({
  /** Who is signed in, where they act, and every workspace they may switch to. */
  get: signedInProcedure.query(async ({ ctx }) => ({
    user: ctx.user,
    principal: ctx.principal,
    workspaces: await workspacesOf(ctx.getDb(), ctx.user.id),
  })),
});

export const membersRouter = router({
  list: adminProcedure.query(({ ctx }) => listMembers(ctx.getDb(), ctx.principal.workspaceId)),
  /** Adds a person to this workspace, creating their account when the email is new. */
  add: adminProcedure
    .input(
      z.object({
        email: z.string().email().max(200),
        name: z.string().max(200).default(""),
        role,
        password: z.string().min(8).max(200).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const db = ctx.getDb();
      let user = await userByEmail(db, input.email);
      if (!user) {
        if (!input.password)
          throw new PeopleError(`${input.email} has no account yet: give them a first password`);
        const created = await createUser(db, {
          email: input.email,
          name: input.name,
          password: input.password,
        });
        user = await userByEmail(db, created.email);
      }
      if (!user) throw new Error(`user ${input.email} vanished`);
      await setMember(db, ctx.principal.workspaceId, user.id, input.role);
      await audit(db, ctx.principal, {
        action: "member.add",
        targetType: "user",
        targetId: user.id,
        detail: { email: user.email, role: input.role },
      });
      return { userId: user.id };
    }),
  setRole: adminProcedure
    .input(z.object({ userId: z.string().uuid(), role }))
    .mutation(async ({ ctx, input }) => {
      const members = await listMembers(ctx.getDb(), ctx.principal.workspaceId);
      const member = members.find((m) => m.userId === input.userId);
      if (!member) throw new PeopleError(`No member ${input.userId} in this workspace`);
      await setMember(ctx.getDb(), ctx.principal.workspaceId, input.userId, input.role);
      await audit(ctx.getDb(), ctx.principal, {
        action: "member.role",
        targetType: "user",
        targetId: input.userId,
        detail: { email: member.email, from: member.role, to: input.role },
      });
      return { ok: true };
    }),
  remove: adminProcedure
    .input(z.object({ userId: z.string().uuid() }))
    .mutation(async ({ ctx, input }) => {
      await removeMember(ctx.getDb(), ctx.principal.workspaceId, input.userId);
      await audit(ctx.getDb(), ctx.principal, {
        action: "member.remove",
        targetType: "user",
        targetId: input.userId,
      });
      return { ok: true };
    }),
});

export const workspacesRouter = router({
  /** Governance settings everyone may read: a manager sees why an approval is not theirs to give. */
  settings: analystProcedure.query(async ({ ctx }) => {
    const { fourEyes, approvalWebhook } = await workspaceSettings(
      ctx.getDb(),
      ctx.principal.workspaceId,
    );
    // The address may carry a secret (a chat service's token in its path): admins only.
    return {
      fourEyes,
      hasApprovalWebhook: approvalWebhook !== null,
      approvalWebhook: atLeast(ctx.principal.role, "admin") ? approvalWebhook : null,
    };
  }),
  /** Where pending approvals are announced (POST, JSON; docs/governance.md), or null for nowhere. */
  setApprovalWebhook: adminProcedure
    .input(z.object({ url: z.string().trim().max(2000).nullable() }))
    .mutation(async ({ ctx, input }) => {
      const url = input.url ? input.url : null;
      const host = url ? checkWebhookUrl(url).host : null;
      await setApprovalWebhook(ctx.getDb(), ctx.principal.workspaceId, url);
      await audit(ctx.getDb(), ctx.principal, {
        action: "workspace.approval_webhook",
        targetType: "workspace",
        targetId: ctx.principal.workspaceId,
        detail: { host },
      });
      return { hasApprovalWebhook: url !== null };
    }),
  /** Four eyes on or off: an admin's decision, audited with who changed it from what. */
  setFourEyes: adminProcedure
    .input(z.object({ on: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const before = await workspaceSettings(ctx.getDb(), ctx.principal.workspaceId);
      await setFourEyes(ctx.getDb(), ctx.principal.workspaceId, input.on);
      await audit(ctx.getDb(), ctx.principal, {
        action: "workspace.four_eyes",
        targetType: "workspace",
        targetId: ctx.principal.workspaceId,
        detail: { from: before.fourEyes, to: input.on },
      });
      return { fourEyes: input.on };
    }),
  /** A new workspace, with its creator (an admin here) as its first admin. */
  create: adminProcedure
    .input(z.object({ name: z.string().min(1).max(100) }))
    .mutation(async ({ ctx, input }) => {
      const ws = await createWorkspace(ctx.getDb(), input.name);
      await setMember(ctx.getDb(), ws.id, ctx.principal.userId, "admin");
      await audit(ctx.getDb(), ctx.principal, {
        action: "workspace.create",
        targetType: "workspace",
        targetId: ws.id,
        detail: { name: ws.name },
      });
      return ws;
    }),
});

export const auditRouter = router({
  list: managerProcedure
    .input(
      z
        .object({
          action: z.string().max(100).optional(),
          actorEmail: z.string().max(200).optional(),
          from: z.coerce.date().optional(),
          to: z.coerce.date().optional(),
          limit: z.number().int().min(1).max(1000).default(200),
        })
        .optional(),
    )
    .query(({ ctx, input }) => listAudit(ctx.getDb(), ctx.principal.workspaceId, input ?? {})),
});
