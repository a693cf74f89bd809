import type { ColumnSchema } from "../data/dataset";
import type { Preprocessing } from "../data/preprocessing";
import type { RowStep } from "../data/row-steps";
import type { Features } from "./features";
import { GraphBuilder } from "./onnx/builder";
import { buildPreprocessing, type ModelInput, type PrepOnnxOps } from "./onnx/preprocess";

export type Task = "binary" | "multiclass" | "regression";

/** What a caller of an exported model needs to know: its inputs, outputs and label mapping. */
export interface Signature {
  task: Task;
  label: string;
  /** Classifiers: the class values, in the order of the probability columns. */
  classes?: (string | number)[];
  features: string[];
  /** What a client sends: the file's columns (before any row step), less the label and ids. */
  inputs: ModelInput[];
  /** The row steps that run, in DuckDB, between what a client sends and the ONNX graph. */
  transform?: ServedTransform;
  /** The step the inputs come after, when one before the model cannot run per request. */
  startsAfter?: string;
  outputs: { name: string; type: "float" | "int64" | "string"; shape: (number | string)[] }[];
}

/** Row steps (derived columns, SQL) that run on each request before the graph. */
export interface ServedTransform {
  /** Every column of the file, as the steps take them; one a client does not send is null. */
  source: ColumnSchema[];
  steps: RowStep[];
  /** The graph's own inputs: columns the steps output. */
  graphInputs: ModelInput[];
}

/**
 * A trained model, whatever its algorithm: it predicts in TypeScript and writes itself into an
 * ONNX graph, so that evaluation, export and serving need not know the algorithm.
 */
export interface TrainedModel {
  /** Probabilities of the second class (binary), of each class (multiclass, rows × classes) or values. */
  predict(X: Features): Float64Array;
  /** The same predictions as graph ops, from the features [N,F] float: [N,1] or [N,K] float. */
  toOnnx(g: GraphBuilder, features: string): string;
  /** The iteration (tree, epoch) kept: the best on validation, or the last. */
  bestIteration: number;
}

/**
 * The exported model: raw columns in, through the recorded preprocessing and the trained model,
 * to `label` and `probabilities` (classifiers) or `prediction` (regression). The signature also
 * travels inside the file as metadata, so a served model describes itself.
 */
export function exportModel(opts: {
  name: string;
  preprocessing: Preprocessing;
  features: string[];
  task: Task;
  label: string;
  classes?: (string | number)[];
  model: TrainedModel;
  /** How each recorded prep step runs inside the model, by op. */
  prepOnnx: PrepOnnxOps;
  metadata?: Record<string, string>;
  /** What clients send when row steps run before the graph (see lib/ml/served.ts). */
  served?: { inputs: ModelInput[]; transform: ServedTransform };
}): { bytes: Uint8Array; signature: Signature } {
  const g = new GraphBuilder(opts.name);
  const { inputs, features } = buildPreprocessing(
    g,
    opts.preprocessing,
    opts.features,
    opts.prepOnnx,
  );
  const out = opts.model.toOnnx(g, features);
  const outputs: Signature["outputs"] = [];
  if (opts.task === "regression") {
    g.op(
      "Reshape",
      [out, g.constant({ type: "int64", dims: [1], data: [-1] })],
      {},
      {
        outputs: ["prediction"],
      },
    );
    outputs.push({ name: "prediction", type: "float", shape: ["N"] });
  } else {
    const classes = opts.classes ?? [];
    const probs =
      opts.task === "binary"
        ? g.op("Concat", [g.op("Sub", [g.scalar(1), out]), out], { axis: { i: 1 } })
        : out;
    g.identity(probs, "probabilities");
    // The label comes from the probabilities, never from an ensemble's own label output.
    const index = g.op("ArgMax", [probs], { axis: { i: 1 }, keepdims: { i: 0 } });
    const numeric = classes.every((c) => typeof c === "number" && Number.isInteger(c));
    const table = numeric
      ? g.constant({ type: "int64", dims: [classes.length], data: classes as number[] })
      : g.constant({ type: "string", dims: [classes.length], data: classes.map(String) });
    g.op("Gather", [table, index], { axis: { i: 0 } }, { outputs: ["label"] });
    outputs.push(
      { name: "label", type: numeric ? "int64" : "string", shape: ["N"] },
      { name: "probabilities", type: "float", shape: ["N", classes.length] },
    );
  }
  for (const o of outputs) g.output(o.name, o.type, o.shape);
  const signature: Signature = {
    task: opts.task,
    label: opts.label,
    classes: opts.classes,
    features: opts.features,
    inputs: opts.served?.inputs ?? inputs,
    transform: opts.served?.transform,
    startsAfter: opts.preprocessing.startsAfter,
    outputs,
  };
  return {
    bytes: g.toBytes({ ...opts.metadata, "flowforge.signature": JSON.stringify(signature) }),
    signature,
  };
}
