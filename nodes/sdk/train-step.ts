import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { z } from "zod";
import type { StepContext } from "./context";
import { defineActivity, type NodeImplementation } from "./define";
import type { Trainer } from "./trainer";
import type { NodeDefinition } from "../types";
import { ExportError, StepInputError } from "../../lib/errors";
import type { ArtifactRef } from "../../workflows/plan";
import { loadDataset } from "../../lib/data/dataset";
import { notFeatures, rolesOf } from "../../lib/data/roles";
import { preprocessingOf, type Preprocessing } from "../../lib/data/preprocessing";
import { openSandbox } from "../../lib/data/sandbox";
import { loadTrainingData, type TrainingData } from "../../lib/ml/data";
import { exportModel } from "../../lib/ml/export";
import { servedInputs } from "../../lib/ml/served";
import type { ModelMetadata, TargetParams } from "../../lib/ml/model-metadata";
export type { ModelMetadata, TargetParams } from "../../lib/ml/model-metadata";
import { headline } from "../../lib/ml/metrics";
import { predictTrained, score } from "../../lib/ml/train";

/** Row steps that are all selects run in the graph, as ONNX ops: the endpoint needs no DuckDB. */
function servedInGraph(p: Preprocessing): Preprocessing {
  const { source } = p;
  if (!source?.steps.every((s) => s.op === "select")) return p;
  const selects = source.steps.map((s) => ({
    op: "select",
    columns: s.op === "select" ? s.columns : [],
  }));
  return { raw: source.columns, steps: [...selects, ...p.steps], startsAfter: p.startsAfter };
}

export async function loadSplits(
  ctx: StepContext,
  target: TargetParams,
  what: string,
): Promise<TrainingData> {
  // The label and the columns that are not features come from the split's roles unless named.
  const roles = rolesOf(await ctx.inputMetadata("train"));
  const label = target.label || roles.label;
  if (!label)
    throw new StepInputError(
      `${what}: choose the label column, here or as the Split's label (target)`,
    );
  target = {
    ...target,
    label,
    exclude: [...new Set([...target.exclude, ...notFeatures(roles)])].filter((c) => c !== label),
  };
  const box = await openSandbox(ctx.workDir);
  try {
    await loadDataset(box.connection, await ctx.inputPath("train"), "train");
    const validation = Boolean(ctx.inputs.validation);
    if (validation)
      await loadDataset(box.connection, await ctx.inputPath("validation"), "validation");
    const data = await loadTrainingData(box.connection, { ...target, validation, what });
    if (data.dropped.train) ctx.log(`${data.dropped.train} training rows without a label left out`);
    if (data.dropped.validation)
      ctx.log(`${data.dropped.validation} validation rows with a missing or unseen label left out`);
    return data;
  } finally {
    box.close();
  }
}

/**
 * Trains one model, scores it on the training and validation splits, exports it to ONNX with the
 * recorded preprocessing in front, stores it as a `model` artifact and tracks the experiment.
 */
export async function trainAndExport(
  ctx: StepContext,
  data: TrainingData,
  trainer: Trainer,
  params: Record<string, unknown>,
  options: { trial?: number; round?: number; metric?: string },
): Promise<{
  model: ArtifactRef;
  metadata: ModelMetadata;
  score: ReturnType<typeof headline>;
  /** The metrics output of a train node: scores, the loss curve and feature importance. */
  report: Record<string, unknown>;
}> {
  const started = Date.now();
  const { algorithm } = trainer;
  const result = await trainer
    .fit(params, data, {
      signal: ctx.signal,
      gpu: ctx.gpu,
      onIteration: (done, total) => ctx.progress({ done, total, unit: trainer.unit }),
    })
    .catch((err: unknown) => {
      if (err instanceof Error && !ctx.signal.aborted) throw new StepInputError(err.message);
      throw err;
    });
  ctx.log(
    `trained ${algorithm} (${data.task}) on ${data.train.X.rows} rows × ${data.features.length} features in ${Date.now() - started} ms on ${result.provider}`,
  );
  const trainMetrics = score(
    data.task,
    data.classes,
    data.train.y,
    predictTrained(result.trained, data.train.X, data.task),
  );
  const validationMetrics = data.validation
    ? score(
        data.task,
        data.classes,
        data.validation.y,
        predictTrained(result.trained, data.validation.X, data.task),
      )
    : undefined;

  const trainMetadata = await ctx.inputMetadata("train");
  const preprocessing = servedInGraph(preprocessingOf(trainMetadata));
  let exported: ReturnType<typeof exportModel>;
  try {
    const { source } = preprocessing;
    // Row steps before the split run beside the graph: clients send the file's columns.
    const served = source
      ? await servedInputs(
          { ...preprocessing, source },
          data.features,
          ctx.services.prepOnnx,
          // Ids and ignored columns are sent only when a feature is computed from them (a date
          // ignored as such, its month a feature); the label never is.
          new Set([data.label]),
          (message) => ctx.log(`warning: ${message}`),
        )
      : undefined;
    exported = exportModel({
      served,
      name: `${ctx.stepId}-${algorithm}`,
      preprocessing,
      features: data.features,
      task: data.task,
      label: data.label,
      classes: data.classes,
      model: result.trained,
      prepOnnx: ctx.services.prepOnnx,
      metadata: { "flowforge.run": ctx.runId, "flowforge.step": ctx.stepId },
    });
  } catch (err) {
    if (err instanceof ExportError) throw new StepInputError(`export to ONNX: ${err.message}`);
    throw err;
  }
  const file = path.join(ctx.workDir, `model-${options.trial ?? "final"}.onnx`);
  await writeFile(file, exported.bytes);
  const { bestIteration } = result.trained;
  const metadata: ModelMetadata = {
    format: "onnx",
    algorithm,
    signature: exported.signature,
    params,
    metrics: { train: trainMetrics, validation: validationMetrics },
    importance: result.importance,
    bestIteration,
    provider: result.provider,
    lineage: {
      runId: ctx.runId,
      stepId: ctx.stepId,
      train: ctx.inputs.train!.hash,
      validation: ctx.inputs.validation?.hash,
    },
  };
  const model = await ctx.writeFile("model", file, { ...metadata });
  const metric =
    options.metric ??
    (data.task === "regression" ? "rmse" : data.task === "binary" ? "rocAuc" : "accuracy");
  const headlineScore = headline(validationMetrics ?? trainMetrics, metric);
  await ctx.track({
    trial: options.trial,
    algorithm,
    params,
    metrics: { train: trainMetrics, validation: validationMetrics, round: options.round },
    curve: result.curve,
    score: headlineScore,
    modelHash: model.hash,
    provider: result.provider,
  });
  return {
    model,
    metadata,
    score: headlineScore,
    report: {
      task: data.task,
      algorithm,
      ...metadata.metrics,
      curve: result.curve,
      importance: result.importance,
    },
  };
}

type TargetKeys = "label" | "exclude" | "task";

/**
 * A train node's implementation from its folder's `fit`: load the train (and validation) split,
 * train, score, export to ONNX with the recorded preprocessing in front, track the experiment.
 * Idempotent: content-addressed model and metrics artifacts, and an experiment row upserted by run
 * and step.
 */
export function defineTrainer<S extends z.ZodType>(
  definition: NodeDefinition<S>,
  fit: Trainer<Omit<z.infer<S>, TargetKeys>>["fit"],
): NodeImplementation<z.infer<S>> {
  const declared = definition.trainer;
  if (!declared) throw new Error(`${definition.type} declares no trainer`);
  const trainer: Trainer = {
    algorithm: declared.algorithm,
    unit: declared.unit,
    fit,
  };
  return defineActivity(
    definition,
    async (ctx, p) => {
      const { label, exclude, task, ...params } = p as Record<string, unknown> & TargetParams;
      const data = await loadSplits(
        ctx,
        { label, exclude, task: declared.task ?? task ?? "auto" },
        definition.title,
      );
      const { model, report } = await trainAndExport(ctx, data, trainer, params, {});
      return { model, metrics: await ctx.writeJson("metrics", report) };
    },
    { trainer },
  );
}
