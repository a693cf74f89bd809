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
      objective: data.task,
      numClasses: data.task === "multiclass" ? (data.classes?.length ?? 1) : 1,
    },
    { validation: data.validation, signal: hooks.signal, onRound: hooks.onIteration },
  );
  const importance = data.features.map((feature, j) => ({
    feature,
    gain: gbdt.importance.gain[j] ?? 0,
    splits: gbdt.importance.split[j] ?? 0,
  }));
  return { trained: trainedGbdt(gbdt), curve: gbdt.curve, importance, provider: "cpu" };
});
