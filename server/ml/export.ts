import type { Preprocessing } from "../data/preprocessing";
import type { GbdtModel } from "./gbdt";
import { exportNet, type NetModel } from "./neural";
import { GraphBuilder } from "./onnx/builder";
import { buildPreprocessing, type ModelInput } from "./onnx/preprocess";

export type Task = "binary" | "multiclass" | "regression";

/** What a caller of an exported model needs to know: its inputs, outputs and label mapping. */
export interface Signature {
  task: Task;
  label: string;
  /** Classifiers: the class values, in the order of the probability columns. */
  classes?: (string | number)[];
  features: string[];
  inputs: ModelInput[];
  outputs: { name: string; type: "float" | "int64" | "string"; shape: (number | string)[] }[];
}

export type Trained = { kind: "net"; net: NetModel } | { kind: "gbdt"; gbdt: GbdtModel };

/** Margins [N,K] of a boosted ensemble as one TreeEnsembleRegressor. */
function exportGbdt(g: GraphBuilder, x: string, m: GbdtModel): string {
  const a = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    features: [] as number[],
    modes: [] as string[],
    values: [] as number[],
    trueIds: [] as number[],
    falseIds: [] as number[],
    missingTrue: [] as number[],
    tTree: [] as number[],
    tNode: [] as number[],
    tIds: [] as number[],
    tWeights: [] as number[],
  };
  m.trees.forEach((t, tree) => {
    for (let n = 0; n < t.feature.length; n++) {
      const leaf = t.isLeaf[n] === 1;
      a.treeIds.push(tree);
      a.nodeIds.push(n);
      a.features.push(leaf ? 0 : t.feature[n]!);
      a.modes.push(leaf ? "LEAF" : "BRANCH_LEQ");
      a.values.push(leaf ? 0 : t.threshold[n]!);
      a.trueIds.push(leaf ? 0 : t.left[n]!);
      a.falseIds.push(leaf ? 0 : t.right[n]!);
      a.missingTrue.push(leaf ? 0 : t.missingLeft[n]!);
      if (leaf) {
        a.tTree.push(tree);
        a.tNode.push(n);
        a.tIds.push(t.classIndex);
        a.tWeights.push(t.value[n]!);
      }
    }
  });
  const outputs = m.objective === "multiclass" ? m.numClasses : 1;
  return g.op(
    "TreeEnsembleRegressor",
    [x],
    {
      n_targets: { i: outputs },
      nodes_treeids: { is: a.treeIds },
      nodes_nodeids: { is: a.nodeIds },
      nodes_featureids: { is: a.features },
      nodes_modes: { ss: a.modes },
      nodes_values: { fs: a.values },
      nodes_truenodeids: { is: a.trueIds },
      nodes_falsenodeids: { is: a.falseIds },
      nodes_missing_value_tracks_true: { is: a.missingTrue },
      target_treeids: { is: a.tTree },
      target_nodeids: { is: a.tNode },
      target_ids: { is: a.tIds },
      target_weights: { fs: a.tWeights },
      base_values: { fs: m.baseScore },
      aggregate_function: { s: "SUM" },
      post_transform: { s: "NONE" },
    },
    { domain: "ai.onnx.ml" },
  );
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
  model: Trained;
  metadata?: Record<string, string>;
}): { bytes: Uint8Array; signature: Signature } {
  const g = new GraphBuilder(opts.name);
  const { inputs, features } = buildPreprocessing(g, opts.preprocessing, opts.features);
  let out: string;
  if (opts.model.kind === "net") out = exportNet(g, features, opts.model.net);
  else {
    const margins = exportGbdt(g, features, opts.model.gbdt);
    out =
      opts.task === "multiclass"
        ? g.op("Softmax", [margins], { axis: { i: 1 } })
        : opts.task === "binary"
          ? g.op("Sigmoid", [margins])
          : margins;
  }
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
    inputs,
    outputs,
  };
  return {
    bytes: g.toBytes({ ...opts.metadata, "flowforge.signature": JSON.stringify(signature) }),
    signature,
  };
}
