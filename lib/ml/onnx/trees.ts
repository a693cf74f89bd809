import type { GraphBuilder } from "./builder";

/** A binary tree in flat arrays, indexed by node: what boosted trees and forests both grow. */
export interface FlatTree {
  feature: ArrayLike<number>;
  isLeaf: ArrayLike<number>;
  threshold: ArrayLike<number>;
  left: ArrayLike<number>;
  right: ArrayLike<number>;
  /** 1 where missing values (NaN) go left. */
  missingLeft: ArrayLike<number>;
}

/**
 * Trees as one ai.onnx.ml TreeEnsembleRegressor: rows go left where `x <= threshold`, and each
 * leaf adds the weights `leafTargets` gives it to its targets; the output is [N, targets], the
 * sum plus `baseValues`, with no post-transform.
 */
export function treeEnsemble(
  g: GraphBuilder,
  x: string,
  trees: readonly FlatTree[],
  leafTargets: (tree: number, node: number) => [target: number, weight: number][],
  targets: number,
  baseValues: number[] = new Array<number>(targets).fill(0),
): string {
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
  trees.forEach((t, tree) => {
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
      for (const [id, weight] of leafTargets(tree, n)) {
        a.tTree.push(tree);
        a.tNode.push(n);
        a.tIds.push(id);
        a.tWeights.push(weight);
      }
    }
  });
  return g.op(
    "TreeEnsembleRegressor",
    [x],
    {
      n_targets: { i: targets },
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
      base_values: { fs: baseValues },
      aggregate_function: { s: "SUM" },
      post_transform: { s: "NONE" },
    },
    { domain: "ai.onnx.ml" },
  );
}
