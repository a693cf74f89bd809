import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, getTableColumns, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import {
  deployments,
  modelAliases,
  models,
  modelVersions,
  runs,
  servingAudit,
  type DeploymentStrategy,
} from "../db/schema";
import type { Plan } from "../../workflows/plan";
import {
  ConflictError,
  DeploymentNameTakenError,
  NotFoundError,
  ProductionApprovalRequiredError,
} from "../../lib/errors";

export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");
const newApiKey = () => `ffk_${randomBytes(24).toString("base64url")}`;

/** Records an audit row once per idempotency key (a retried step or request records nothing new). */
async function audit(
  db: Db,
  row: Omit<typeof servingAudit.$inferInsert, "id" | "at">,
): Promise<void> {
  await db.insert(servingAudit).values(row).onConflictDoNothing();
}

/**
 * Registers a model artifact as a version of the named model (created on first use). The same
 * artifact registered twice is the same version, so a retried deploy step changes nothing.
 */
export async function registerVersion(
  db: Db,
  input: {
    workspaceId: string;
    modelName: string;
    artifactHash: string;
    algorithm: string;
    signature: Record<string, unknown>;
    metrics: Record<string, unknown>;
    lineage: Record<string, unknown>;
    reference?: Record<string, unknown>;
    actor: string;
    idempotencyKey: string;
  },
) {
  return db.transaction(async (tx) => {
    await tx
      .insert(models)
      .values({ name: input.modelName, workspaceId: input.workspaceId })
      .onConflictDoNothing();
    const [model] = await tx
      .select()
      .from(models)
      .where(and(eq(models.workspaceId, input.workspaceId), eq(models.name, input.modelName)));
    // One registration at a time per model, so version numbers never collide.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${model!.id}))`);
    const [existing] = await tx
      .select()
      .from(modelVersions)
      .where(
        and(
          eq(modelVersions.modelId, model!.id),
          eq(modelVersions.artifactHash, input.artifactHash),
        ),
      );
    if (existing) return { model: model!, version: existing, created: false };
    const [{ next } = { next: 1 }] = await tx
      .select({ next: sql<number>`coalesce(max(${modelVersions.version}), 0)::int + 1` })
      .from(modelVersions)
      .where(eq(modelVersions.modelId, model!.id));
    const [version] = await tx
      .insert(modelVersions)
      .values({
        modelId: model!.id,
        version: next,
        artifactHash: input.artifactHash,
        algorithm: input.algorithm,
        signature: input.signature,
        metrics: input.metrics,
        lineage: input.lineage,
        reference: input.reference ?? null,
      })
      .returning();
    await audit(tx as unknown as Db, {
      idempotencyKey: `${input.idempotencyKey}:register`,
      modelId: model!.id,
      action: "register",
      versionId: version!.id,
      actor: input.actor,
      detail: { version: next, artifactHash: input.artifactHash },
    });
    return { model: model!, version: version!, created: true };
  });
}

export async function setAlias(
  db: Db,
  input: {
    modelId: string;
    alias: string;
    versionId: string;
    actor: string;
    idempotencyKey: string;
  },
) {
  const [previous] = await db
    .select()
    .from(modelAliases)
    .where(and(eq(modelAliases.modelId, input.modelId), eq(modelAliases.alias, input.alias)));
  await db
    .insert(modelAliases)
    .values({ modelId: input.modelId, alias: input.alias, versionId: input.versionId })
    .onConflictDoUpdate({
      target: [modelAliases.modelId, modelAliases.alias],
      set: { versionId: input.versionId, updatedAt: new Date() },
    });
  await audit(db, {
    idempotencyKey: `${input.idempotencyKey}:alias`,
    modelId: input.modelId,
    alias: input.alias,
    action: "alias",
    versionId: input.versionId,
    previousVersionId: previous?.versionId ?? null,
    actor: input.actor,
  });
}

/**
 * Creates or updates the named endpoint. `replace` serves the version at once (the old one is kept
 * for rollback); `canary` sends a share of requests to it; `shadow` mirrors every request to it and
 * never returns its answers. A new endpoint gets an API key, returned only here.
 */
export async function deploy(
  db: Db,
  input: {
    workspaceId: string;
    name: string;
    modelId: string;
    alias: string;
    versionId: string;
    strategy: DeploymentStrategy;
    challengerPercent: number;
    rateLimitPerMinute: number;
    actor: string;
    idempotencyKey: string;
  },
): Promise<{ deploymentId: string; apiKey?: string }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`deploy:${input.name}`}))`);
    const [current] = await tx.select().from(deployments).where(eq(deployments.name, input.name));
    // Endpoint names are one namespace (they are URLs: /v2/models/<name>), shared by workspaces.
    if (current && current.workspaceId !== input.workspaceId)
      throw new DeploymentNameTakenError(
        `The endpoint name "${input.name}" is taken by another workspace: choose another name`,
      );
    const t = tx as unknown as Db;
    if (!current) {
      const apiKey = newApiKey();
      const [created] = await tx
        .insert(deployments)
        .values({
          workspaceId: input.workspaceId,
          name: input.name,
          modelId: input.modelId,
          alias: input.alias,
          strategy: "replace",
          primaryVersionId: input.versionId,
          apiKeyHash: hashApiKey(apiKey),
          rateLimitPerMinute: input.rateLimitPerMinute,
        })
        .returning();
      await audit(t, {
        idempotencyKey: `${input.idempotencyKey}:deploy`,
        modelId: input.modelId,
        deploymentId: created!.id,
        alias: input.alias,
        action: "create",
        versionId: input.versionId,
        actor: input.actor,
        detail: { name: input.name },
      });
      return { deploymentId: created!.id, apiKey };
    }
    if (current.modelId !== input.modelId)
      throw new ConflictError(
        `endpoint "${input.name}" serves another model; choose another endpoint name`,
      );
    // What production serves changes only through an approved production deploy (or a manager's
    // promote and rollback): a deploy under another alias must not replace it or add a challenger.
    if (current.alias === "production" && input.alias !== "production")
      throw new ProductionApprovalRequiredError(
        `endpoint "${input.name}" serves production: deploying to it needs the production alias, which waits for a manager's approval (or deploy to another endpoint)`,
      );
    const already =
      input.strategy === "replace"
        ? current.primaryVersionId === input.versionId && !current.challengerVersionId
        : current.challengerVersionId === input.versionId &&
          current.strategy === input.strategy &&
          current.challengerPercent === input.challengerPercent;
    if (!already) {
      const set =
        input.strategy === "replace"
          ? {
              strategy: "replace" as const,
              primaryVersionId: input.versionId,
              previousVersionId:
                current.primaryVersionId === input.versionId
                  ? current.previousVersionId
                  : current.primaryVersionId,
              challengerVersionId: null,
              challengerPercent: 0,
            }
          : {
              strategy: input.strategy,
              challengerVersionId: input.versionId,
              challengerPercent: input.strategy === "canary" ? input.challengerPercent : 0,
            };
      await tx
        .update(deployments)
        .set({
          ...set,
          alias: input.alias,
          rateLimitPerMinute: input.rateLimitPerMinute,
          revision: sql`${deployments.revision} + 1`,
          updatedAt: new Date(),
        })
        .where(eq(deployments.id, current.id));
    }
    await audit(t, {
      idempotencyKey: `${input.idempotencyKey}:deploy`,
      modelId: input.modelId,
      deploymentId: current.id,
      alias: input.alias,
      action: input.strategy,
      versionId: input.versionId,
      previousVersionId: current.primaryVersionId,
      actor: input.actor,
      detail: { challengerPercent: input.challengerPercent },
    });
    return { deploymentId: current.id };
  });
}

async function change(
  db: Db,
  deploymentId: string,
  actor: string,
  action: "promote" | "rollback" | "end_challenge",
  requestId: string,
) {
  return db.transaction(async (tx) => {
    const [d] = await tx
      .select()
      .from(deployments)
      .where(eq(deployments.id, deploymentId))
      .for("update");
    if (!d) throw new NotFoundError(`There is no deployment ${deploymentId}`);
    let set: Partial<typeof deployments.$inferInsert>;
    if (action === "promote") {
      if (!d.challengerVersionId)
        throw new ConflictError(`deployment "${d.name}" has no challenger to promote`);
      set = {
        strategy: "replace",
        primaryVersionId: d.challengerVersionId,
        previousVersionId: d.primaryVersionId,
        challengerVersionId: null,
        challengerPercent: 0,
      };
    } else if (action === "rollback") {
      if (!d.previousVersionId)
        throw new ConflictError(`deployment "${d.name}" has no previous version to roll back to`);
      set = {
        strategy: "replace",
        primaryVersionId: d.previousVersionId,
        previousVersionId: d.primaryVersionId,
        challengerVersionId: null,
        challengerPercent: 0,
      };
    } else {
      set = { strategy: "replace", challengerVersionId: null, challengerPercent: 0 };
    }
    await tx
      .update(deployments)
      .set({ ...set, revision: sql`${deployments.revision} + 1`, updatedAt: new Date() })
      .where(eq(deployments.id, d.id));
    if (set.primaryVersionId)
      await tx
        .insert(modelAliases)
        .values({ modelId: d.modelId, alias: d.alias, versionId: set.primaryVersionId })
        .onConflictDoUpdate({
          target: [modelAliases.modelId, modelAliases.alias],
          set: { versionId: set.primaryVersionId, updatedAt: new Date() },
        });
    await audit(tx as unknown as Db, {
      idempotencyKey: `${deploymentId}:${action}:${requestId}`,
      modelId: d.modelId,
      deploymentId: d.id,
      alias: d.alias,
      action,
      versionId: set.primaryVersionId ?? d.primaryVersionId,
      previousVersionId: d.primaryVersionId,
      actor,
    });
    return { deploymentId: d.id };
  });
}

export const promote = (db: Db, id: string, actor: string, requestId: string) =>
  change(db, id, actor, "promote", requestId);
export const rollback = (db: Db, id: string, actor: string, requestId: string) =>
  change(db, id, actor, "rollback", requestId);
export const endChallenge = (db: Db, id: string, actor: string, requestId: string) =>
  change(db, id, actor, "end_challenge", requestId);

/** A new API key for a deployment; the old one stops working. Shown once. */
export async function rotateKey(db: Db, deploymentId: string, actor: string) {
  const apiKey = newApiKey();
  const [d] = await db
    .update(deployments)
    .set({ apiKeyHash: hashApiKey(apiKey), revision: sql`${deployments.revision} + 1` })
    .where(eq(deployments.id, deploymentId))
    .returning();
  if (!d) throw new NotFoundError(`There is no deployment ${deploymentId}`);
  await audit(db, {
    idempotencyKey: `${deploymentId}:rotate:${randomBytes(8).toString("hex")}`,
    modelId: d.modelId,
    deploymentId,
    action: "rotate_key",
    actor,
  });
  return { apiKey };
}

export async function listModels(db: Db, workspaceId: string) {
  const rows = await db
    .select()
    .from(models)
    .where(eq(models.workspaceId, workspaceId))
    .orderBy(models.name);
  const versions = await db.select().from(modelVersions).orderBy(desc(modelVersions.version));
  const aliases = await db.select().from(modelAliases);
  return rows.map((m) => ({
    ...m,
    versions: versions
      .filter((v) => v.modelId === m.id)
      .map((v) => ({
        ...v,
        aliases: aliases.filter((a) => a.versionId === v.id).map((a) => a.alias),
      })),
  }));
}

export async function listDeployments(db: Db, workspaceId: string) {
  const rows = await db
    .select()
    .from(deployments)
    .where(eq(deployments.workspaceId, workspaceId))
    .orderBy(deployments.name);
  const versions = await db
    .select({ id: modelVersions.id, version: modelVersions.version, modelName: models.name })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId));
  const byId = new Map(versions.map((v) => [v.id, v]));
  return rows.map(({ apiKeyHash: _hidden, ...d }) => ({
    ...d,
    modelName: byId.get(d.primaryVersionId)?.modelName ?? "",
    primaryVersion: byId.get(d.primaryVersionId)?.version ?? null,
    challengerVersion: d.challengerVersionId
      ? (byId.get(d.challengerVersionId)?.version ?? null)
      : null,
    previousVersion: d.previousVersionId ? (byId.get(d.previousVersionId)?.version ?? null) : null,
  }));
}

export async function servingHistory(db: Db, workspaceId: string, modelId?: string) {
  return db
    .select(getTableColumns(servingAudit))
    .from(servingAudit)
    .innerJoin(models, eq(models.id, servingAudit.modelId))
    .where(
      and(
        eq(models.workspaceId, workspaceId),
        modelId ? eq(servingAudit.modelId, modelId) : undefined,
      ),
    )
    .orderBy(desc(servingAudit.at))
    .limit(500);
}

/**
 * A manager's decision on a gated deploy, in the model's history beside the alias moves it led
 * to. Idempotent by run and step; a model not registered yet (a first deploy) has no history to
 * hold it, and the run's step and the audit log still do.
 */
export async function recordDecision(
  db: Db,
  input: {
    workspaceId: string;
    runId: string;
    stepId: string;
    approved: boolean;
    comment?: string;
    actor: string;
  },
) {
  const [run] = await db.select({ plan: runs.plan }).from(runs).where(eq(runs.id, input.runId));
  const step = (run?.plan as Plan | undefined)?.steps.find((s) => s.id === input.stepId);
  if (step?.nodeType !== "deploy.endpoint") return;
  const params = step.params as { endpoint?: string; model?: string; alias?: string };
  const name = params.model ?? params.endpoint;
  if (!name) return;
  const [model] = await db
    .select({ id: models.id })
    .from(models)
    .where(and(eq(models.workspaceId, input.workspaceId), eq(models.name, name)));
  if (!model) return;
  await db
    .insert(servingAudit)
    .values({
      idempotencyKey: `decision:${input.runId}:${input.stepId}`,
      modelId: model.id,
      alias: params.alias ?? null,
      action: input.approved ? "approve" : "reject",
      detail: { runId: input.runId, stepId: input.stepId, comment: input.comment ?? null },
      actor: input.actor,
    })
    .onConflictDoNothing();
}
