import type { z } from "zod";
import type { SearchSpace } from "../lib/ml/search";

export const nodeCategories = [
  "ingest",
  "prep",
  "train",
  "tune",
  "evaluate",
  "deploy",
  "monitor",
  "code",
  "internal",
] as const;
export type NodeCategory = (typeof nodeCategories)[number];

export const portKinds = ["dataset", "model", "metrics", "deployment", "json"] as const;
export type PortKind = (typeof portKinds)[number];

export interface PortDefinition {
  name: string;
  kind: PortKind;
  label: string;
  required: boolean;
  /**
   * The port travels with others of the same bundle: one port on the canvas, one edge in the
   * file (common/pipeline/bundles.ts); the activity still reads and writes it by its name.
   */
  bundle?: "splits";
  /**
   * The columns a code node declares for a dataset output (`@output x: dataset(a, b: DOUBLE)`);
   * `*` stands for the first input's columns. An empty type: not declared.
   */
  columns?: { name: string; type: string }[];
}

export interface RuntimeDefaults {
  taskQueue: "cpu" | "gpu" | "python";
  timeoutMs: number;
  retries: number;
  heartbeatMs: number | null;
  gpu: boolean;
}

/** What a node looks like for given params: its ports, and for code nodes the params its code declares. */
export interface NodeShape {
  inputs: PortDefinition[];
  outputs: PortDefinition[];
  /** The schema of `params.params` when the code declares its params; null: free-form JSON. */
  params: z.ZodObject | null;
  declared: { name: string; line: number }[];
  /** Problems in the declarations, on the param that holds them. */
  errors: { param: string; message: string }[];
}

/** A column of a dataset as a node sees it before running (design-time schema). */
export interface ColumnInfo {
  name: string;
  /** DuckDB's type name (VARCHAR, DOUBLE, BIGINT, DATE, ...). */
  type: string;
}

/** A train node: what tune needs to know to search its params. */
export interface TrainerDeclaration {
  /** The short name tune and the model registry use: "gbdt", "forest". */
  algorithm: string;
  /** What one iteration is, for progress: "trees", "epochs", "fits". */
  unit: string;
  /** The task when the trainer does only one kind (linear regression: regression). */
  task?: "classification" | "regression";
  /** Present when tune may search the trainer's params: the default space, and the param that halving grows. */
  tunable?: { space: SearchSpace; resource?: string };
}

/**
 * Where a node runs when its pipeline's model is served: "row" (a row-wise step the served model
 * replays per record), "rows" (it drops rows: skipped, a request is a row it would keep),
 * "fitted" (state fitted on training data, applied per record), "model" (the model itself), or
 * "none" (training time only: splits, reports, deploys).
 */
export type ServingRole = "row" | "rows" | "fitted" | "model" | "none";

export interface NodeDefinition<P extends z.ZodType = z.ZodType> {
  type: string;
  category: NodeCategory;
  title: string;
  description: string;
  version: number;
  /** Internal nodes run in tests and samples but are never offered in the palette. */
  internal: boolean;
  inputs: PortDefinition[];
  outputs: PortDefinition[];
  params: P;
  runtime: RuntimeDefaults;
  /** The node can use a GPU: a pipeline may set `runtime.gpu` to send it to the gpu queue. */
  gpuCapable?: boolean;
  /** False for nodes whose effect matters more than their output (deploy, notify): never cached. */
  cacheable?: boolean;
  /** When it returns true for the resolved params, the step waits for a manager's approval. */
  requiresApproval?: (params: z.infer<P>) => boolean;
  /** Ports that depend on the params (code nodes declare theirs in their code). */
  shape?: (params: Record<string, unknown>) => NodeShape;
  /** The node has a code form (nodes/<type>/ejected.ts or .py) it can be ejected into. */
  eject?: { language: "typescript" | "python" };
  /** Markdown shown in the palette and the inspector. */
  docs?: string;
  /** Train nodes: the algorithm and how tune searches it. */
  trainer?: TrainerDeclaration;
  /**
   * The columns of each dataset output, from the input columns and the params, before anything
   * runs (column pickers, design-time checks); undefined where it depends on the data itself.
   */
  outputColumns?: (
    inputs: Record<string, ColumnInfo[] | undefined>,
    params: z.infer<P>,
  ) => Record<string, ColumnInfo[] | undefined>;
  /** What the node is in a served model; defaults to "none". */
  serving?: ServingRole;
}

export function defineNode<P extends z.ZodType>(def: NodeDefinition<P>): NodeDefinition<P> {
  return def;
}
