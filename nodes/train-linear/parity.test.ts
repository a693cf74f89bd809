import { describe, expect, it } from "vitest";
import {
  expected,
  parityCheck,
  TOLERANCE,
  useParityDatabase,
  type RegressionMetrics,
} from "../sdk/testing/parity";
import { trainLinearActivity } from "./activity";

useParityDatabase();

describe("linear regression against scikit-learn, exported model equal to the TypeScript one", () => {
  it("regresses diabetes", async () => {
    const m = (await parityCheck(
      trainLinearActivity.trainer!,
      "diabetes",
      "progression",
      { alpha: 1 },
      true,
    )) as RegressionMetrics;
    expect(m.r2).toBeGreaterThanOrEqual(expected.diabetes!.linear!.r2! - TOLERANCE.r2);
  });
});
