import type { TrainingData } from "../../lib/ml/data";
import type { FitHooks, FitResult } from "../../lib/ml/train";

/**
 * How a train node trains: its folder's `fit`, from the node's params less the target ones
 * (label, exclude, task) to a model that predicts and exports itself. The node definition's
 * `trainer` declares the algorithm, its unit and its tunable space.
 */
export interface Trainer<P = Record<string, unknown>> {
  algorithm: string;
  /** What one iteration is, for progress. */
  unit: string;
  fit(params: P, data: TrainingData, hooks: FitHooks): Promise<FitResult>;
}
