import { describe, expect, it } from "vitest";
import {
  alignByStep,
  differs,
  driftStatus,
  fillDays,
  flattenMetrics,
  flattenParams,
  layeredPositions,
  windowStart,
} from "./run-history";

describe("run comparison helpers", () => {
  it("flattens params to dotted keys, arrays and scalars as leaves", () => {
    expect(
      flattenParams({ label: "species", exclude: ["id"], fixed: { epochs: 5 }, l2: 0.1, x: null }),
    ).toEqual({
      label: "species",
      exclude: '["id"]',
      "fixed.epochs": "5",
      l2: "0.1",
      x: "null",
    });
  });

  it("keeps only finite numeric metrics, skipping curves, matrices and row counts", () => {
    expect(
      flattenMetrics({
        validation: { accuracy: 0.9, rows: 60, macro: { f1: 0.8 }, roc: [{ x: 0, y: 0 }] },
        test: { rmse: Number.NaN, confusion: { classes: ["a"], matrix: [[1]] } },
      }),
    ).toEqual({ "validation.accuracy": 0.9, "validation.macro.f1": 0.8 });
  });

  it("lines up values per step and name, null where a run lacks them", () => {
    const rows = alignByStep(
      [{ a: { x: "1" }, b: { y: "2" } }, { a: { x: "3", z: "4" } }],
      ["b", "a"],
    );
    expect(rows).toEqual([
      { stepId: "b", name: "y", values: ["2", null] },
      { stepId: "a", name: "x", values: ["1", "3"] },
      { stepId: "a", name: "z", values: [null, "4"] },
    ]);
    expect(rows.map((r) => differs(r.values))).toEqual([true, true, true]);
    expect(differs(["1", "1", "1"])).toBe(false);
  });
});

describe("run graph layout", () => {
  it("puts each step one column right of its deepest input", () => {
    const edge = (source: string, target: string) => ({
      source,
      sourcePort: "out",
      target,
      targetPort: "in",
    });
    const pos = layeredPositions(
      ["a", "b", "c", "d"],
      [edge("a", "b"), edge("b", "d"), edge("a", "d"), edge("c", "d")],
    );
    expect([...pos.entries()]).toEqual([
      ["a", { x: 0, y: 0 }],
      ["b", { x: 240, y: 0 }],
      ["c", { x: 0, y: 110 }],
      ["d", { x: 480, y: 0 }],
    ]);
  });
});

describe("dashboard helpers", () => {
  it("fills every day of the window and computes success rates over finished runs", () => {
    const start = windowStart(new Date("2026-03-10T15:00:00Z"), 3);
    expect(start.toISOString()).toBe("2026-03-08T00:00:00.000Z");
    expect(
      fillDays([{ day: "2026-03-09", total: 4, succeeded: 2, failed: 1, finished: 4 }], start, 3),
    ).toEqual([
      { day: "2026-03-08", total: 0, succeeded: 0, failed: 0, finished: 0, successRate: null },
      { day: "2026-03-09", total: 4, succeeded: 2, failed: 1, finished: 4, successRate: 0.5 },
      { day: "2026-03-10", total: 0, succeeded: 0, failed: 0, finished: 0, successRate: null },
    ]);
  });

  it("reads the latest monitor check as a drift status", () => {
    expect(driftStatus(null)).toBe("unmonitored");
    expect(driftStatus([])).toBe("ok");
    expect(driftStatus([{ kind: "performance" }])).toBe("alert");
    expect(driftStatus([{ kind: "performance" }, { kind: "prediction_drift" }])).toBe("drift");
  });
});
