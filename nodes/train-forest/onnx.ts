import type { TrainedModel } from "../../lib/ml/export";
import type { GraphBuilder } from "../../lib/ml/onnx/builder";
import { treeEnsemble } from "../../lib/ml/onnx/trees";
import { predictForest, type ForestModel } from "./forest";

/**
 * The forest as one TreeEnsembleRegressor: every leaf adds its values divided by the number of
 * trees to its targets, so the sum is the trees' mean: [N,K] class probabilities (multiclass) or
 * [N,1] P(class 1) (binary) or values (regression). Thresholds are the float32 bin bounds the
 * TypeScript model compares with, so BRANCH_LEQ routes every row the same way.
 */
function exportForest(g: GraphBuilder, x: string, m: ForestModel): string {
  const T = m.trees.length;
  const K = m.outputs;
  return treeEnsemble(
    g,
    x,
    m.trees,
    (tree, node) => {
      const value = m.trees[tree]!.value;
      const targets: [number, number][] = [];
      for (let k = 0; k < K; k++) {
        const v = value[node * K + k]!;
        // A class the leaf never saw adds nothing: leave the entry out.
        if (v !== 0 || K === 1) targets.push([k, v / T]);
      }
      return targets;
    },
    K,
  );
}

/** A random forest as the trainers hand it on: the mean of its trees, in TypeScript and ONNX. */
export const trainedForest = (m: ForestModel): TrainedModel => ({
  predict: (X) => predictForest(m, X),
  toOnnx: (g, x) => exportForest(g, x, m),
  bestIteration: m.trees.length,
});
