import { describe, expect, it } from "vitest";
import { gridConfigs, halvingRounds, randomConfigs } from "./search";

describe("search spaces", () => {
  const space = {
    learningRate: { min: 0.01, max: 1, log: true, int: false },
    leaves: { min: 4, max: 64, log: false, int: true },
    loss: { values: ["a", "b"] },
  };

  it("random configurations are seeded, in range, and whole numbers where asked", () => {
    const a = randomConfigs(space, 20, 5);
    expect(randomConfigs(space, 20, 5)).toEqual(a);
    expect(randomConfigs(space, 20, 6)).not.toEqual(a);
    for (const c of a) {
      expect(c.learningRate).toBeGreaterThanOrEqual(0.01);
      expect(c.learningRate).toBeLessThanOrEqual(1);
      expect(Number.isInteger(c.leaves)).toBe(true);
      expect(["a", "b"]).toContain(c.loss);
    }
  });

  it("a grid spreads the budget over the ranges and covers every listed value", () => {
    const grid = gridConfigs(space, 18);
    expect(grid).toHaveLength(18);
    expect(new Set(grid.map((c) => c.loss))).toEqual(new Set(["a", "b"]));
    expect(new Set(grid.map((c) => c.learningRate))).toEqual(new Set([0.01, 0.1, 1]));
    expect(gridConfigs(space, 1)).toHaveLength(1);
  });

  it("successive halving keeps a third each round and ends at the full resource", () => {
    expect(halvingRounds(9, 90)).toEqual([
      { keep: 9, resource: 10 },
      { keep: 3, resource: 30 },
      { keep: 1, resource: 90 },
    ]);
    expect(halvingRounds(1, 50)).toEqual([{ keep: 1, resource: 50 }]);
  });
});
