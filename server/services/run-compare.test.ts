import { describe, expect, it } from "vitest";
import { alignByStep, differs, flattenMetrics, flattenParams } from "./run-compare";

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
