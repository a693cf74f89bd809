import { trainRidge } from "../../lib/ml/linear";
import { trainedNet } from "../../lib/ml/neural";
import { defineTrainer } from "../sdk/train-step";
import { trainLinear } from "./node";

export const trainLinearActivity = defineTrainer(trainLinear, ({ alpha }, data) => {
  const net = trainRidge(data.train.X, data.train.y, alpha);
  return Promise.resolve({ trained: trainedNet(net), curve: net.curve, provider: "cpu" });
});
