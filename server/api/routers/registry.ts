import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { deployments } from "../../db/schema";
import { assertDeployment, assertModel } from "../../auth/access";
import { audit } from "../../auth/audit";
import { atLeast, type Principal } from "../../../common/roles";
import { ForbiddenError } from "../../../lib/errors";
import { endpointUsage } from "../../services/endpoint-usage";
import { deployVersion, registerFromRun } from "../../services/register-model";
import { defaultArtifactStore as artifactStore } from "../../artifacts/default-store";
import type { Db } from "../../db/client";
import {
  endChallenge,
  listDeployments,
  listModels,
  promote,
  rollback,
  rotateKey,
  servingHistory,
} from "../../services/registry";
import { deploymentHistory, deploymentStats } from "../../services/serving-stats";
import { modelCard, setCardNotes } from "../../services/model-card";
import { analystProcedure, managerProcedure, router } from "../trpc";

const id = z.object({ deploymentId: z.string().uuid() });

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lower-case letters, digits and dashes, up to 63");

export const modelsRouter = router({
  list: analystProcedure.query(({ ctx }) => listModels(ctx.getDb(), ctx.principal.workspaceId)),
  /** A finished run's trained model as a registered version, without serving it. */
  register: analystProcedure
    .input(z.object({ runId: z.string().uuid(), stepId: z.string().min(1), modelName: slug }))
    .mutation(async ({ ctx, input }) => {
      const r = await registerFromRun(ctx.getDb(), ctx.principal, input);
      await audit(ctx.getDb(), ctx.principal, {
        action: "model.register",
        targetType: "model",
        targetId: r.modelId,
        detail: { version: r.version, runId: input.runId, stepId: input.stepId },
      });
      return r;
    }),
  /** Serves a registered version on an endpoint: analysts to staging, managers to production. */
  deploy: analystProcedure
    .input(
      z.object({
        versionId: z.string().uuid(),
        endpoint: slug,
        alias: z.enum(["staging", "production"]).default("staging"),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const r = await deployVersion(ctx.getDb(), ctx.principal, input);
      await audit(ctx.getDb(), ctx.principal, {
        action: "deployment.deploy",
        targetType: "deployment",
        targetId: r.deploymentId,
        detail: { versionId: input.versionId, alias: input.alias },
      });
      return r;
    }),
  /** A registered version's model card; `groupBy` previews another grouping column. */
  card: analystProcedure
    .input(
      z.object({
        versionId: z.string().uuid(),
        groupBy: z.string().min(1).max(200).nullable().optional(),
      }),
    )
    .query(({ ctx, input }) =>
      modelCard(ctx.getDb(), artifactStore(), ctx.principal.workspaceId, input.versionId, {
        groupBy: input.groupBy,
      }),
    ),
  /** The card's written parts and its grouping column (data scientists write them; audited). */
  setCard: analystProcedure
    .input(
      z.object({
        versionId: z.string().uuid(),
        intendedUse: z.string().max(20_000).optional(),
        limitations: z.string().max(20_000).optional(),
        groupBy: z.string().min(1).max(200).nullable().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { versionId, ...notes } = input;
      if (notes.groupBy)
        // Refuses a column the evaluation's rows do not have, naming those it has.
        await modelCard(ctx.getDb(), artifactStore(), ctx.principal.workspaceId, versionId, {
          groupBy: notes.groupBy,
        });
      const card = await setCardNotes(ctx.getDb(), ctx.principal.workspaceId, versionId, notes);
      await audit(ctx.getDb(), ctx.principal, {
        action: "model.card",
        targetType: "model_version",
        targetId: versionId,
        detail: { changed: Object.keys(notes) },
      });
      return card;
    }),
  history: analystProcedure
    .input(z.object({ modelId: z.string().uuid().optional() }).optional())
    .query(async ({ ctx, input }) => {
      if (input?.modelId) await assertModel(ctx.getDb(), ctx.principal, input.modelId);
      return servingHistory(ctx.getDb(), ctx.principal.workspaceId, input?.modelId);
    }),
});

/** What serves is a manager's call: promote, roll back, end a challenge, rotate the key. */
async function change<T>(
  db: Db,
  p: Principal,
  deploymentId: string,
  action: string,
  fn: () => Promise<T>,
): Promise<T> {
  await assertDeployment(db, p, deploymentId);
  const result = await fn();
  await audit(db, p, {
    action: `deployment.${action}`,
    targetType: "deployment",
    targetId: deploymentId,
  });
  return result;
}

export const deploymentsRouter = router({
  list: analystProcedure.query(({ ctx }) =>
    listDeployments(ctx.getDb(), ctx.principal.workspaceId),
  ),
  stats: analystProcedure
    .input(id.extend({ minutes: z.number().int().min(1).max(1440).default(15) }))
    .query(async ({ ctx, input }) => {
      await assertDeployment(ctx.getDb(), ctx.principal, input.deploymentId);
      return deploymentStats(ctx.getDb(), input.deploymentId, input.minutes);
    }),
  /** Traffic, latency, errors and what served, over the last hours. */
  history: analystProcedure
    .input(
      id.extend({
        hours: z
          .number()
          .int()
          .min(1)
          .max(24 * 30)
          .default(24),
      }),
    )
    .query(async ({ ctx, input }) => {
      await assertDeployment(ctx.getDb(), ctx.principal, input.deploymentId);
      return deploymentHistory(ctx.getDb(), input.deploymentId, input.hours);
    }),
  promote: managerProcedure
    .input(id)
    .mutation(({ ctx, input }) =>
      change(ctx.getDb(), ctx.principal, input.deploymentId, "promote", () =>
        promote(ctx.getDb(), input.deploymentId, ctx.principal.email, randomUUID()),
      ),
    ),
  rollback: managerProcedure
    .input(id)
    .mutation(({ ctx, input }) =>
      change(ctx.getDb(), ctx.principal, input.deploymentId, "rollback", () =>
        rollback(ctx.getDb(), input.deploymentId, ctx.principal.email, randomUUID()),
      ),
    ),
  endChallenge: managerProcedure
    .input(id)
    .mutation(({ ctx, input }) =>
      change(ctx.getDb(), ctx.principal, input.deploymentId, "end_challenge", () =>
        endChallenge(ctx.getDb(), input.deploymentId, ctx.principal.email, randomUUID()),
      ),
    ),
  /**
   * A new key retires the old one. Who may deploy to the endpoint's alias may do it: analysts for
   * staging (their runs deploy there), managers for production (they approve what goes there).
   */
  rotateKey: analystProcedure.input(id).mutation(async ({ ctx, input }) => {
    const [d] = await ctx
      .getDb()
      .select({ name: deployments.name, alias: deployments.alias })
      .from(deployments)
      .where(
        and(
          eq(deployments.id, input.deploymentId),
          eq(deployments.workspaceId, ctx.principal.workspaceId),
        ),
      );
    if (d?.alias === "production" && !atLeast(ctx.principal.role, "manager"))
      throw new ForbiddenError(
        `Only a manager may create a key for "${d.name}": it serves production`,
      );
    return change(ctx.getDb(), ctx.principal, input.deploymentId, "rotate_key", () =>
      rotateKey(ctx.getDb(), input.deploymentId, ctx.principal.email),
    );
  }),
  /** How to call the endpoint: its input schema and a real training row for the examples. */
  usage: analystProcedure
    .input(id)
    .query(({ ctx, input }) =>
      endpointUsage(ctx.getDb(), artifactStore(), ctx.principal.workspaceId, input.deploymentId),
    ),
});
