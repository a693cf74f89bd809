import type { TrainedModel } from "../../lib/ml/export";
import type { GraphBuilder } from "../../lib/ml/onnx/builder";
import { predictForest, type ForestModel } from "./forest";

/**
 * The forest as one TreeEnsembleRegressor: every leaf adds its values divided by the number of
 * trees to its targets, so the sum is the trees' mean: [N,K] class probabilities (multiclass) or
 * [N,1] P(class 1) (binary) or values (regression). Thresholds are the float32 bin bounds the
 * TypeScript model compares with, so BRANCH_LEQ routes every row the same way.
 */
function exportForest(g: GraphBuilder, x: string, m: ForestModel): string {
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
  const T = m.trees.length;
  const K = m.outputs;
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
      if (!leaf) continue;
      for (let k = 0; k < K; k++) {
        const v = t.value[n * K + k]!;
        // A class the leaf never saw adds nothing: leave the entry out.
        if (v === 0 && K > 1) continue;
        a.tTree.push(tree);
        a.tNode.push(n);
        a.tIds.push(k);
        a.tWeights.push(v / T);
      }
    }
  });
  return g.op(
    "TreeEnsembleRegressor",
    [x],
    {
      n_targets: { i: K },
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
      base_values: { fs: new Array<number>(K).fill(0) },
      aggregate_function: { s: "SUM" },
      post_transform: { s: "NONE" },
    },
    { domain: "ai.onnx.ml" },
  );
}

/** A random forest as the trainers hand it on: the mean of its trees, in TypeScript and ONNX. */
export const trainedForest = (m: ForestModel): TrainedModel => ({
  predict: (X) => predictForest(m, X),
  toOnnx: (g, x) => exportForest(g, x, m),
  bestIteration: m.trees.length,
});
