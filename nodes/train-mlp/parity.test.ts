import { describe, expect, it } from "vitest";
import {
  expected,
  parityCheck,
  TOLERANCE,
  useParityDatabase,
  type ClassificationMetrics,
  type RegressionMetrics,
} from "../sdk/testing/parity";
import { trainMlpActivity } from "./activity";

const params = {
  hidden: [64],
  l2: 0.0001,
  learningRate: 0.001,
  epochs: 200,
  batchSize: 200,
  earlyStoppingRounds: 0,
  seed: 7,
};
const trainer = trainMlpActivity.trainer!;

useParityDatabase();

describe("the neural network against scikit-learn, exported model equal to the TypeScript one", () => {
  it.each([
    ["breast-cancer", "diagnosis"],
    ["wine", "cultivar"],
  ])("classifies %s", async (name, label) => {
    const m = (await parityCheck(trainer, name, label, params, true)) as ClassificationMetrics;
    const sk = expected[name]!.mlp!;
    expect(m.accuracy).toBeGreaterThanOrEqual(sk.accuracy! - TOLERANCE.accuracy);
    expect(m.rocAuc!).toBeGreaterThanOrEqual(sk.rocAuc! - TOLERANCE.accuracy);
  });

  it("regresses diabetes", async () => {
    const m = (await parityCheck(
      trainer,
      "diabetes",
      "progression",
      { ...params, learningRate: 0.01, epochs: 500 },
      true,
    )) as RegressionMetrics;
    expect(m.r2).toBeGreaterThanOrEqual(expected.diabetes!.mlp!.r2! - TOLERANCE.r2);
  });
});
