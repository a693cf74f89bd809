import { describeParity, sklearnFloors } from "../sdk/testing/parity";
import { trainMlpActivity } from "./activity";

describeParity("the neural network", trainMlpActivity.trainer!, {
  params: {
    hidden: [64],
    l2: 0.0001,
    learningRate: 0.001,
    epochs: 200,
    batchSize: 200,
    earlyStoppingRounds: 0,
    seed: 7,
  },
  paramsFor: { diabetes: { learningRate: 0.01, epochs: 500 } },
  scaled: true,
  floors: sklearnFloors("mlp", ["breast-cancer", "wine", "diabetes"]),
});
