import type { TrainingData } from "./data";
import type { TrainedModel } from "./export";
import type { Features } from "./features";
import {
  classificationMetrics,
  regressionMetrics,
  type ClassificationMetrics,
  type RegressionMetrics,
} from "./metrics";

export interface FitHooks {
  signal?: AbortSignal;
  gpu?: boolean;
  /** onnxruntime intra-op threads (0: all cores). */
  threads?: number;
  onIteration?: (k: number, n: number, train: number, validation?: number) => void;
}

export interface FitResult {
  trained: TrainedModel;
  curve: { iteration: number; train: number; validation?: number }[];
  importance?: { feature: string; gain: number; splits: number }[];
  provider: string;
}

/** Feature importance as a train node reports it: total gain and split count per feature. */
export function featureImportance(
  features: string[],
  measured: { gain: ArrayLike<number>; split: ArrayLike<number> },
): NonNullable<FitResult["importance"]> {
  return features.map((feature, j) => ({
    feature,
    gain: measured.gain[j] ?? 0,
    splits: measured.split[j] ?? 0,
  }));
}

/** Predictions of a trained model as scores take them: probabilities (rows x classes) or values. */
export function predictTrained(
  t: TrainedModel,
  X: Features,
  task: TrainingData["task"],
): Float64Array {
  const raw = t.predict(X);
  if (task !== "binary") return raw;
  const two = new Float64Array(X.rows * 2);
  for (let i = 0; i < X.rows; i++) {
    two[i * 2] = 1 - raw[i]!;
    two[i * 2 + 1] = raw[i]!;
  }
  return two;
}

export function score(
  task: TrainingData["task"],
  classes: (string | number)[] | undefined,
  truth: Float64Array,
  predicted: ArrayLike<number>,
): ClassificationMetrics | RegressionMetrics {
  return task === "regression"
    ? regressionMetrics(truth, predicted)
    : classificationMetrics(truth, predicted, (classes ?? []).map(String));
}
