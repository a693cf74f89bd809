import type { ArtifactRef } from "../../workflows/plan";
import type { ColumnSchema } from "./dataset";
import type { RowSource, RowStep } from "./row-steps";

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
  /** The columns entering `steps`: the dataset before any recorded step, or after the row steps. */
  raw: ColumnSchema[];
  steps: PrepStep[];
  /** The dataset whose columns are `raw`, when a step was recorded on it. */
  origin?: ArtifactRef;
  /**
   * The row-wise steps (derived columns, SQL) before `steps`, which run beside the ONNX graph on
   * each request, from the columns a client has (`source.columns`).
   */
  source?: RowSource;
  /** The step before which an endpoint cannot go (it does not run per request), named. */
  startsAfter?: string;
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

export const withStep = (p: Preprocessing, step: PrepStep, input?: ArtifactRef): Preprocessing => ({
  ...p,
  origin: p.origin ?? (p.steps.length === 0 ? input : undefined),
  steps: [...p.steps, step],
});

interface SelectOp extends PrepStep {
  op: "select";
  columns: { from: string; to: string }[];
}

/**
 * Appends a row step (one that runs beside the model, in DuckDB) to a dataset's preprocessing:
 * the dataset it ran on becomes the file's side when none was recorded, and the select ops
 * recorded so far move in front of it. Undefined when a fitted step came before: a row step
 * cannot run after one, so the model trained later takes this step's output.
 */
export function withRowStep(
  p: Preprocessing,
  step: RowStep,
  input: ArtifactRef,
  output: ColumnSchema[],
): Preprocessing | undefined {
  if (!p.steps.every((s) => s.op === "select")) return undefined;
  const selects = (p.steps as SelectOp[]).map((s): RowStep => ({
    op: "select",
    columns: s.columns,
    what: "Select columns",
  }));
  const source: RowSource = p.source ?? {
    columns: p.raw,
    steps: [],
    dataset: p.steps.length ? (p.origin ?? input) : input,
  };
  // Selects recorded on a later dataset than the origin cannot be traced back to its rows.
  if (!p.source && p.steps.length && !p.origin) return undefined;
  return {
    raw: output,
    steps: [],
    source: { ...source, steps: [...source.steps, ...selects, step] },
    startsAfter: p.startsAfter,
  };
}

/** A step dropped or added rows: they still run at serving, but cannot be traced to the file's rows. */
export function withRowsChanged(p: Preprocessing, why: string): Preprocessing {
  return p.source ? { ...p, source: { ...p.source, rows: undefined, untraceable: why } } : p;
}

/** A dataset written by a step that cannot run per request: a model trained on it starts there. */
export const startingAfter = (schema: ColumnSchema[], step: string): Preprocessing => ({
  raw: schema,
  steps: [],
  startsAfter: step,
});
