import type { Signature } from "./export";

/** The columns every train node takes: which one is the label, what kind of model, what to ignore. */
export interface TargetParams {
  label: string;
  task: "auto" | "classification" | "regression";
  exclude: string[];
}

/** What a model artifact's metadata records: enough to serve, compare and trace it. */
export interface ModelMetadata {
  format: "onnx";
  /** A trainer's algorithm ("gbdt"), or `python:<estimator>` for a scikit-learn model from a Python code node. */
  algorithm: string;
  signature: Signature;
  params: Record<string, unknown>;
  metrics: { train: unknown; validation?: unknown };
  importance?: { feature: string; gain: number; splits: number }[];
  bestIteration: number;
  provider: string;
  lineage: { runId: string; stepId: string; train: string; validation?: string };
}
