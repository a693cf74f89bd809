import type { TrainedModel } from "../../lib/ml/export";
import { predict, type GbdtModel } from "../../lib/ml/gbdt";
import type { GraphBuilder } from "../../lib/ml/onnx/builder";

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

/** Boosted trees as the trainers hand them on: margins through sigmoid or softmax. */
export const trainedGbdt = (m: GbdtModel): TrainedModel => ({
  predict: (X) => predict(m, X),
  toOnnx: (g, x) => {
    const margins = exportGbdt(g, x, m);
    return m.objective === "multiclass"
      ? g.op("Softmax", [margins], { axis: { i: 1 } })
      : m.objective === "binary"
        ? g.op("Sigmoid", [margins])
        : margins;
  },
  bestIteration: m.bestIteration,
});
