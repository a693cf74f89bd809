import { featureImportance } from "../../lib/ml/train";
import { trainGbdt as fitGbdt } from "../../lib/ml/gbdt";
import { defineTrainer } from "../sdk/train-step";
import { trainGbdt } from "./node";
import { trainedGbdt } from "./onnx";

export const trainGbdtActivity = defineTrainer(trainGbdt, async (params, data, hooks) => {
  const gbdt = await fitGbdt(
    data.train.X,
    data.train.y,
    {
      ...params,
      // Early stopping watches the validation split; without one, every tree is grown.
      earlyStoppingRounds: data.validation ? params.earlyStoppingRounds : 0,
      objective: data.task,
      numClasses: data.task === "multiclass" ? (data.classes?.length ?? 1) : 1,
    },
    { validation: data.validation, signal: hooks.signal, onRound: hooks.onIteration },
  );
  const importance = featureImportance(data.features, gbdt.importance);
  return { trained: trainedGbdt(gbdt), curve: gbdt.curve, importance, provider: "cpu" };
});
