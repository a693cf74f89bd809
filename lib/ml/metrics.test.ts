import { describe, expect, it } from "vitest";
import { classificationMetrics, regressionMetrics, rocAuc } from "./metrics";

describe("metrics", () => {
  it("ROC-AUC counts ordered pairs, ties as halves", () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75);
    expect(rocAuc([0.5, 0.5], [false, true])).toBeCloseTo(0.5);
    expect(rocAuc([0.2, 0.3], [true, true])).toBeNull();
  });

  it("scores a binary classifier: confusion, per-class and macro figures, log-loss, curves", () => {
    const truth = [0, 0, 1, 1];
    const probs = [0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8];
    const m = classificationMetrics(truth, probs, ["no", "yes"]);
    expect(m.confusion.matrix).toEqual([
      [2, 0],
      [1, 1],
    ]);
    expect(m.accuracy).toBe(0.75);
    expect(m.perClass[1]).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(m.perClass[1]!.f1).toBeCloseTo(2 / 3);
    expect(m.logLoss).toBeCloseTo(
      -(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4,
    );
    expect(m.rocAuc).toBeCloseTo(0.75);
    expect(m.roc!.at(-1)).toMatchObject({ x: 1, y: 1 });
  });

  it("scores a regressor", () => {
    const m = regressionMetrics([1, 2, 3, 4], [1, 2, 3, 6]);
    expect(m.rmse).toBeCloseTo(1);
    expect(m.mae).toBeCloseTo(0.5);
    expect(m.r2).toBeCloseTo(1 - 4 / 5);
  });
});
