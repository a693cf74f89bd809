import { fitNet } from "../sdk/net-trainer";
import { defineTrainer } from "../sdk/train-step";
import { trainLogistic } from "./node";

export const trainLogisticActivity = defineTrainer(trainLogistic, (params, data, hooks) =>
  fitNet({ ...params, hidden: [] }, data, hooks),
);
