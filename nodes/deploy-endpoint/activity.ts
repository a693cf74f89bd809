import { columnsOf } from "../../lib/data/columns";
import { loadDataset } from "../../lib/data/dataset";
import { preprocessingOf } from "../../lib/data/preprocessing";
import { openSandbox, quoteIdent } from "../../lib/data/sandbox";
import type { ModelMetadata } from "../../lib/ml/model-metadata";
import { categoricalReference, numericReference, type FeatureReference } from "../../lib/ml/drift";
import type { StepContext } from "../sdk/context";
import { defineActivity } from "../sdk/define";
import { StepInputError } from "../../lib/errors";
import { deployEndpoint } from "./node";

/** Reference distributions of the model's raw inputs, from the connected reference rows. */
async function reference(ctx: StepContext, meta: ModelMetadata) {
  if (!ctx.inputs.reference) return undefined;
  const box = await openSandbox(ctx.workDir);
  try {
    const c = box.connection;
    // A model that takes the file's columns compares live inputs with the file's rows behind the
    // reference (recorded by the split), not with the columns the row steps made of them.
    const fileRows = preprocessingOf(await ctx.inputMetadata("reference")).source?.rows;
    const local = fileRows
      ? await ctx.artifactPath(fileRows.hash, "reference-file.parquet")
      : await ctx.inputPath("reference");
    await loadDataset(c, local, "ref");
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
export const deployEndpointActivity = defineActivity(deployEndpoint, async (ctx, p) => {
  const meta = (await ctx.inputMetadata("model")) as unknown as ModelMetadata;
  if (!meta.signature) throw new StepInputError("Deploy: the model input is not a trained model");
  const key = `${ctx.runId}:${ctx.stepId}`;
  const { registry } = ctx.services;
  const { model, version } = await registry.registerVersion({
    modelName: p.model ?? p.endpoint,
    artifactHash: ctx.inputs.model!.hash,
    algorithm: meta.algorithm,
    signature: meta.signature as unknown as Record<string, unknown>,
    metrics: meta.metrics,
    lineage: { ...meta.lineage, deployRunId: ctx.runId, deployStepId: ctx.stepId },
    reference: await reference(ctx, meta),
    idempotencyKey: key,
  });
  if (p.strategy === "replace")
    await registry.setAlias({
      modelId: model.id,
      alias: p.alias,
      versionId: version.id,
      idempotencyKey: key,
    });
  const { deploymentId } = await registry.deploy({
    name: p.endpoint,
    modelId: model.id,
    alias: p.alias,
    versionId: version.id,
    strategy: p.strategy,
    challengerPercent: p.canaryPercent,
    rateLimitPerMinute: p.rateLimitPerMinute,
    idempotencyKey: key,
  });
  ctx.log(`${p.endpoint}: ${model.name} v${version.version} (${p.strategy}, alias ${p.alias})`);
  const sig = meta.signature;
  ctx.log(
    `it takes ${sig.inputs.length} columns: ${sig.inputs.map((i) => `"${i.column}"`).join(", ")}${
      sig.transform
        ? `; on each request it first runs ${sig.transform.steps.map((s) => s.what ?? s.op).join(", ")}`
        : ""
    }${sig.startsAfter ? `; they are the output of ${sig.startsAfter}, which an endpoint cannot run per request` : ""}`,
  );
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
});
