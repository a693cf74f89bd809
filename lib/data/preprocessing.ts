import type { ColumnSchema } from "./dataset";

/**
 * The fitted transformations between the raw columns that ingest produced and a dataset, recorded
 * in each dataset's metadata, so that a model trained on the dataset can be exported with the
 * same transformations in front of it and take raw rows. Each prep node defines its own step (its
 * `op` and fitted state) and how the step runs inside an exported model (its folder's `onnx.ts`).
 */
export interface PrepStep {
  op: string;
}

export interface Preprocessing {
  /** The columns a model's caller supplies: the dataset before any recorded step. */
  raw: ColumnSchema[];
  steps: PrepStep[];
}

interface WithPreprocessing {
  schema?: ColumnSchema[];
  preprocessing?: Preprocessing;
}

/** A dataset's recorded preprocessing; one with none starts from its own columns. */
export function preprocessingOf(metadata: unknown): Preprocessing {
  const m = (metadata ?? {}) as WithPreprocessing;
  return m.preprocessing ?? { raw: m.schema ?? [], steps: [] };
}

export const withStep = (p: Preprocessing, step: PrepStep): Preprocessing => ({
  raw: p.raw,
  steps: [...p.steps, step],
});
