import type { TrainedModel } from "../../lib/ml/export";
import { predict, type GbdtModel } from "../../lib/ml/gbdt";
import { treeEnsemble } from "../../lib/ml/onnx/trees";

/**
 * Boosted trees as the trainers hand them on: the margins [N,K] of the ensemble (each tree adds
 * its leaf value to its class) through sigmoid or softmax.
 */
export const trainedGbdt = (m: GbdtModel): TrainedModel => ({
  predict: (X) => predict(m, X),
  toOnnx: (g, x) => {
    const margins = treeEnsemble(
      g,
      x,
      m.trees,
      (tree, node) => [[m.trees[tree]!.classIndex, m.trees[tree]!.value[node]!]],
      m.objective === "multiclass" ? m.numClasses : 1,
      m.baseScore,
    );
    return m.objective === "multiclass"
      ? g.op("Softmax", [margins], { axis: { i: 1 } })
      : m.objective === "binary"
        ? g.op("Sigmoid", [margins])
        : margins;
  },
  bestIteration: m.bestIteration,
});
