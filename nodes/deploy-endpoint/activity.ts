import { getDb } from "../../server/db/client";
import { columnsOf } from "../../server/data/columns";
import { loadDataset } from "../../server/data/dataset";
import { openSandbox, quoteIdent } from "../../server/data/sandbox";
import type { ModelMetadata } from "../../server/ml/step";
import {
  categoricalReference,
  numericReference,
  type FeatureReference,
} from "../../server/monitoring/drift";
import {
  deploy,
  DeploymentNameTakenError,
  registerVersion,
  setAlias,
} from "../../server/services/registry";
import { ConflictError } from "../../server/services/runs";
import type { NodeActivity, StepContext } from "../activity-types";
import { StepInputError } from "../errors";
import { deployEndpoint } from "./node";

/** Reference distributions of the model's raw inputs, from the connected reference rows. */
async function reference(ctx: StepContext, meta: ModelMetadata) {
  if (!ctx.inputs.reference) return undefined;
  const box = await openSandbox(ctx.workDir);
  try {
    const c = box.connection;
    await loadDataset(c, await ctx.inputPath("reference"), "ref");
    const have = new Set((await columnsOf(c, "ref")).map((col) => col.name));
    const missing = meta.signature.inputs.find((input) => !have.has(input.column));
    if (missing)
      throw new StepInputError(
        `Deploy: the reference dataset lacks the model input "${missing.column}"; connect the raw training rows`,
      );
    // One sample of rows for every input, in one scan.
    const select = meta.signature.inputs
      .map((input, k) => {
        const q = quoteIdent(input.column);
        return `${input.type === "string" ? `coalesce(${q}::VARCHAR, '')` : `${q}::DOUBLE`} AS c${k}`;
      })
      .join(", ");
    const rows = (
      await c.runAndReadAll(`SELECT ${select} FROM ref USING SAMPLE 50000 ROWS (reservoir, 7)`)
    ).getRowObjects();
    const features: FeatureReference[] = meta.signature.inputs.map((input, k) =>
      input.type === "string"
        ? categoricalReference(
            input.column,
            rows.map((r) => String(r[`c${k}`])),
          )
        : numericReference(
            input.column,
            rows.map((r) => (r[`c${k}`] === null ? NaN : Number(r[`c${k}`]))),
          ),
    );
    return { features };
  } finally {
    box.close();
  }
}

/**
 * Idempotent by run and step: the artifact registers as the same version, audit rows are keyed by
 * run and step, and deploying a version that already serves changes nothing.
 */
export const deployEndpointActivity: NodeActivity = async (ctx) => {
  const p = deployEndpoint.params.parse(ctx.params);
  const meta = (await ctx.inputMetadata("model")) as unknown as ModelMetadata;
  if (!meta.signature) throw new StepInputError("Deploy: the model input is not a trained model");
  const db = getDb();
  const key = `${ctx.runId}:${ctx.stepId}`;
  const actor = `run ${ctx.runId}`;
  const { model, version } = await registerVersion(db, {
    workspaceId: ctx.workspaceId,
    modelName: p.model ?? p.endpoint,
    artifactHash: ctx.inputs.model!.hash,
    algorithm: meta.algorithm,
    signature: meta.signature as unknown as Record<string, unknown>,
    metrics: meta.metrics,
    lineage: { ...meta.lineage, deployRunId: ctx.runId, deployStepId: ctx.stepId },
    reference: await reference(ctx, meta),
    actor,
    idempotencyKey: key,
  });
  if (p.strategy === "replace")
    await setAlias(db, {
      modelId: model.id,
      alias: p.alias,
      versionId: version.id,
      actor,
      idempotencyKey: key,
    });
  const { deploymentId } = await deploy(db, {
    workspaceId: ctx.workspaceId,
    name: p.endpoint,
    modelId: model.id,
    alias: p.alias,
    versionId: version.id,
    strategy: p.strategy,
    challengerPercent: p.canaryPercent,
    rateLimitPerMinute: p.rateLimitPerMinute,
    actor,
    idempotencyKey: key,
  }).catch((err: unknown) => {
    // Neither resolves by retrying: the step fails at once, saying why.
    if (err instanceof DeploymentNameTakenError || err instanceof ConflictError)
      throw new StepInputError(`Deploy: ${err.message}`);
    throw err;
  });
  ctx.log(`${p.endpoint}: ${model.name} v${version.version} (${p.strategy}, alias ${p.alias})`);
  return {
    deployment: await ctx.writeJson("deployment", {
      deploymentId,
      endpoint: p.endpoint,
      model: model.name,
      version: version.version,
      versionId: version.id,
      strategy: p.strategy,
      alias: p.alias,
      infer: `/v2/models/${p.endpoint}/infer`,
    }),
  };
};
