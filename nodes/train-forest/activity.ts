import { featureImportance } from "../../lib/ml/train";
import { defineTrainer } from "../sdk/train-step";
import { trainForest as fitForest } from "./forest";
import { trainForest } from "./node";
import { trainedForest } from "./onnx";

export const trainForestActivity = defineTrainer(trainForest, async (params, data, hooks) => {
  const forest = await fitForest(
    data.train.X,
    data.train.y,
    {
      ...params,
      task: data.task,
      numClasses: data.task === "regression" ? 1 : Math.max(2, data.classes?.length ?? 2),
    },
    { validation: data.validation, signal: hooks.signal, onTree: hooks.onIteration },
  );
  const importance = featureImportance(data.features, forest.importance);
  return { trained: trainedForest(forest), curve: forest.curve, importance, provider: "cpu" };
});
