import { describeParity, sklearnFloors } from "../sdk/testing/parity";
import { trainGbdtActivity } from "./activity";

describeParity("boosted trees", trainGbdtActivity.trainer!, {
  params: {
    trees: 100,
    learningRate: 0.1,
    maxLeaves: 31,
    maxDepth: -1,
    minDataInLeaf: 20,
    minSumHessianInLeaf: 0.001,
    lambda: 0,
    maxBins: 255,
    featureFraction: 1,
    earlyStoppingRounds: 0,
    seed: 7,
  },
  scaled: false,
  floors: sklearnFloors("gbdt", ["breast-cancer", "wine", "diabetes"]),
});
