import { describe, expect, it } from "vitest";
import {
  expected,
  parityCheck,
  TOLERANCE,
  useParityDatabase,
  type ClassificationMetrics,
  type RegressionMetrics,
} from "../sdk/testing/parity";
import { trainGbdtActivity } from "./activity";

const params = {
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
};
const trainer = trainGbdtActivity.trainer!;

useParityDatabase();

describe("boosted trees against scikit-learn, exported model equal to the TypeScript one", () => {
  it.each([
    ["breast-cancer", "diagnosis"],
    ["wine", "cultivar"],
  ])("classifies %s", async (name, label) => {
    const m = (await parityCheck(trainer, name, label, params, false)) as ClassificationMetrics;
    const sk = expected[name]!.gbdt!;
    expect(m.accuracy).toBeGreaterThanOrEqual(sk.accuracy! - TOLERANCE.accuracy);
    expect(m.rocAuc!).toBeGreaterThanOrEqual(sk.rocAuc! - TOLERANCE.accuracy);
  });

  it("regresses diabetes", async () => {
    const m = (await parityCheck(
      trainer,
      "diabetes",
      "progression",
      params,
      false,
    )) as RegressionMetrics;
    expect(m.r2).toBeGreaterThanOrEqual(expected.diabetes!.gbdt!.r2! - TOLERANCE.r2);
  });
});
