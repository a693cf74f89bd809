import { describeParity, sklearnFloors } from "../sdk/testing/parity";
import { trainLogisticActivity } from "./activity";

describeParity("logistic regression", trainLogisticActivity.trainer!, {
  params: {
    l2: 1 / 400,
    learningRate: 0.05,
    epochs: 300,
    batchSize: 1024,
    earlyStoppingRounds: 0,
    seed: 7,
  },
  scaled: true,
  floors: sklearnFloors("logistic", ["breast-cancer", "wine"]),
});
