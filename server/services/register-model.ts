import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { atLeast, type Principal } from "../../common/roles";
import { ForbiddenError, InvalidInputError, NotFoundError } from "../../lib/errors";
import type { ModelMetadata } from "../../lib/ml/model-metadata";
import type { StepOutputs } from "../../workflows/plan";
import { assertRun } from "../auth/access";
import type { Db } from "../db/client";
import { artifacts, models, modelVersions, runSteps } from "../db/schema";
import { deploy, registerVersion, setAlias } from "./registry";

/**
 * Registers the model a finished run's step trained, with its metrics and lineage, without
 * deploying it. Registering the same artifact again is the same version.
 */
export async function registerFromRun(
  db: Db,
  p: Principal,
  input: { runId: string; stepId: string; modelName: string },
) {
  await assertRun(db, p, input.runId);
  const [step] = await db
    .select({ status: runSteps.status, outputs: runSteps.outputs })
    .from(runSteps)
    .where(and(eq(runSteps.runId, input.runId), eq(runSteps.stepId, input.stepId)));
  if (!step) throw new NotFoundError(`Run ${input.runId} has no step "${input.stepId}"`);
  const ref = (step.outputs as StepOutputs | null)?.model;
  if (!ref || ref.kind !== "model")
    throw new InvalidInputError(`Step "${input.stepId}" has no trained model to register`);
  const [artifact] = await db.select().from(artifacts).where(eq(artifacts.hash, ref.hash));
  const meta = artifact?.metadata as ModelMetadata | undefined;
  if (!meta?.signature)
    throw new InvalidInputError(`Step "${input.stepId}"'s output is not a servable model`);
  const { model, version } = await registerVersion(db, {
    workspaceId: p.workspaceId,
    modelName: input.modelName,
    artifactHash: ref.hash,
    algorithm: meta.algorithm,
    signature: meta.signature as unknown as Record<string, unknown>,
    metrics: meta.metrics,
    lineage: { ...meta.lineage },
    actor: p.email,
    idempotencyKey: `register:${input.runId}:${input.stepId}:${input.modelName}`,
  });
  return {
    modelId: model.id,
    modelName: model.name,
    versionId: version.id,
    version: version.version,
  };
}

/**
 * Serves a registered version on an endpoint (created on first use, its key returned once).
 * Who may deploy to the alias may do it: analysts to staging, managers to production.
 */
export async function deployVersion(
  db: Db,
  p: Principal,
  input: { versionId: string; endpoint: string; alias: "staging" | "production" },
) {
  const [row] = await db
    .select({ modelId: models.id })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .where(and(eq(modelVersions.id, input.versionId), eq(models.workspaceId, p.workspaceId)));
  if (!row) throw new NotFoundError(`Model version ${input.versionId} does not exist`);
  if (input.alias === "production" && !atLeast(p.role, "manager"))
    throw new ForbiddenError("Only a manager may deploy to production");
  const key = randomUUID();
  await setAlias(db, {
    modelId: row.modelId,
    alias: input.alias,
    versionId: input.versionId,
    actor: p.email,
    idempotencyKey: key,
  });
  return deploy(db, {
    workspaceId: p.workspaceId,
    name: input.endpoint,
    modelId: row.modelId,
    alias: input.alias,
    versionId: input.versionId,
    strategy: "replace",
    challengerPercent: 0,
    rateLimitPerMinute: 600,
    actor: p.email,
    idempotencyKey: key,
  });
}
