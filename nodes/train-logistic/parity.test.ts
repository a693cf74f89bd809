import { describe, expect, it } from "vitest";
import {
  expected,
  parityCheck,
  TOLERANCE,
  useParityDatabase,
  type ClassificationMetrics,
} from "../sdk/testing/parity";
import { trainLogisticActivity } from "./activity";

const params = {
  l2: 1 / 400,
  learningRate: 0.05,
  epochs: 300,
  batchSize: 1024,
  earlyStoppingRounds: 0,
  seed: 7,
};
const trainer = trainLogisticActivity.trainer!;

useParityDatabase();

describe("logistic regression against scikit-learn, exported model equal to the TypeScript one", () => {
  it.each([
    ["breast-cancer", "diagnosis"],
    ["wine", "cultivar"],
  ])("classifies %s", async (name, label) => {
    const m = (await parityCheck(trainer, name, label, params, true)) as ClassificationMetrics;
    const sk = expected[name]!.logistic!;
    expect(m.accuracy).toBeGreaterThanOrEqual(sk.accuracy! - TOLERANCE.accuracy);
    expect(m.rocAuc!).toBeGreaterThanOrEqual(sk.rocAuc! - TOLERANCE.accuracy);
  });
});
