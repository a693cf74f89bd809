import { describe, expect, it } from "vitest";
import { fillDays, windowStart } from "./dashboard";

describe("dashboard helpers", () => {
  it("fills every day of the window and computes success rates over finished runs", () => {
    const start = windowStart(new Date("2026-03-10T15:00:00Z"), 3);
    expect(start.toISOString()).toBe("2026-03-08T00:00:00.000Z");
    expect(
      fillDays(
        [{ day: "2026-03-09", total: 4, succeeded: 2, failed: 1, rejected: 1, finished: 4 }],
        start,
        3,
      ),
    ).toEqual([
      {
        day: "2026-03-08",
        total: 0,
        succeeded: 0,
        failed: 0,
        rejected: 0,
        finished: 0,
        successRate: null,
      },
      {
        day: "2026-03-09",
        total: 4,
        succeeded: 2,
        failed: 1,
        rejected: 1,
        finished: 4,
        successRate: 0.5,
      },
      {
        day: "2026-03-10",
        total: 0,
        succeeded: 0,
        failed: 0,
        rejected: 0,
        finished: 0,
        successRate: null,
      },
    ]);
  });
});
