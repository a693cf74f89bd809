import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { StepContext } from "../../nodes/activity-types";
import { StepInputError } from "../../nodes/errors";
import type { ArtifactRef } from "../../workflows/plan";
import { loadDataset } from "../data/dataset";
import { preprocessingOf } from "../data/preprocessing";
import { openSandbox } from "../data/sandbox";
import { loadTrainingData, type TrainingData } from "./data";
import { exportModel, type Signature } from "./export";
import { headline } from "./metrics";
import { ExportError } from "./onnx/preprocess";
import { fit, predictTrained, score, type Algorithm, type AlgorithmParams } from "./train";

/** The columns every train node takes: which one is the label, what kind of model, what to ignore. */
export interface TargetParams {
  label: string;
  task: "auto" | "classification" | "regression";
  exclude: string[];
}

/** What a model artifact's metadata records: enough to serve, compare and trace it. */
export interface ModelMetadata {
  format: "onnx";
  /** Ours, or `python:<estimator>` for a scikit-learn model from a Python code node. */
  algorithm: Algorithm | `python:${string}`;
  signature: Signature;
  params: Record<string, unknown>;
  metrics: { train: unknown; validation?: unknown };
  importance?: { feature: string; gain: number; splits: number }[];
  bestIteration: number;
  provider: string;
  lineage: { runId: string; stepId: string; train: string; validation?: string };
}

export async function loadSplits(
  ctx: StepContext,
  target: TargetParams,
  what: string,
): Promise<TrainingData> {
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
export async function trainAndExport<A extends Algorithm>(
  ctx: StepContext,
  data: TrainingData,
  algorithm: A,
  params: AlgorithmParams[A],
  options: { trial?: number; round?: number; metric?: string; unit: string },
): Promise<{
  model: ArtifactRef;
  metadata: ModelMetadata;
  score: ReturnType<typeof headline>;
  /** The metrics output of a train node: scores, the loss curve and feature importance. */
  report: Record<string, unknown>;
}> {
  const started = Date.now();
  const result = await fit(algorithm, params, data, {
    signal: ctx.signal,
    gpu: ctx.gpu,
    onIteration: (done, total) => ctx.progress({ done, total, unit: options.unit }),
  }).catch((err: unknown) => {
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

  const preprocessing = preprocessingOf(await ctx.inputMetadata("train"));
  let exported: ReturnType<typeof exportModel>;
  try {
    exported = exportModel({
      name: `${ctx.stepId}-${algorithm}`,
      preprocessing,
      features: data.features,
      task: data.task,
      label: data.label,
      classes: data.classes,
      model: result.trained,
      metadata: { "flowforge.run": ctx.runId, "flowforge.step": ctx.stepId },
    });
  } catch (err) {
    if (err instanceof ExportError) throw new StepInputError(`export to ONNX: ${err.message}`);
    throw err;
  }
  const file = path.join(ctx.workDir, `model-${options.trial ?? "final"}.onnx`);
  await writeFile(file, exported.bytes);
  const bestIteration =
    result.trained.kind === "gbdt"
      ? result.trained.gbdt.bestIteration
      : result.trained.net.bestEpoch;
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
