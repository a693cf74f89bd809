import { fitNet } from "../sdk/net-trainer";
import { defineTrainer } from "../sdk/train-step";
import { trainMlp } from "./node";

export const trainMlpActivity = defineTrainer(trainMlp, (params, data, hooks) =>
  fitNet(params, data, hooks),
);
