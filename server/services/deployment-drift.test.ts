import { describe, expect, it } from "vitest";
import { driftStatus } from "./deployment-drift";

describe("deployment drift", () => {
  it("reads the latest monitor check as a drift status", () => {
    expect(driftStatus(null)).toBe("unmonitored");
    expect(driftStatus([])).toBe("ok");
    expect(driftStatus([{ kind: "performance" }])).toBe("alert");
    expect(driftStatus([{ kind: "performance" }, { kind: "prediction_drift" }])).toBe("drift");
  });
});
