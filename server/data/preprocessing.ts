import type { ColumnSchema } from "./dataset";

/**
 * The fitted transformations between the raw columns that ingest produced and a dataset, recorded
 * in each dataset's metadata, so that a model trained on the dataset can be exported with the
 * same transformations in front of it and take raw rows.
 */
export type PrepStep =
  | {
      op: "impute";
      strategy: string;
      fill: { column: string; type: string; value: string | number | null }[];
    }
  | {
      op: "encode";
      method: "onehot" | "ordinal";
      columns: { column: string; categories: string[] }[];
    }
  | {
      op: "scale";
      method: "standard" | "minmax";
      columns: { column: string; offset: number; scale: number }[];
    }
  | { op: "select"; columns: { from: string; to: string }[] };

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
