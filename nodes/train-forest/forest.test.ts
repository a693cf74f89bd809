import { describe, expect, it } from "vitest";
import type { Features } from "../../lib/ml/features";
import { mulberry32 } from "../../lib/ml/random";
import { featuresPerSplit, predictForest, trainForest, type ForestParams } from "./forest";

const base: ForestParams = {
  task: "binary",
  numClasses: 2,
  trees: 30,
  maxDepth: 12,
  minSamplesLeaf: 1,
  maxFeatures: "auto",
  bootstrap: true,
  maxBins: 255,
  seed: 1,
};

function features(columns: number[][]): Features {
  return {
    rows: columns[0]!.length,
    names: columns.map((_, j) => `x${j}`),
    columns: columns.map((c) => Float32Array.from(c)),
  };
}

/** n rows of `width` uniform features in [0, 1). */
function uniform(n: number, width: number, seed: number): number[][] {
  const rng = mulberry32(seed);
  return Array.from({ length: width }, () => Array.from({ length: n }, () => rng()));
}

const accuracy = (p: Float64Array, y: Float64Array) =>
  y.reduce((hits, v, i) => hits + ((p[i]! >= 0.5 ? 1 : 0) === v ? 1 : 0), 0) / y.length;

describe("random forest", () => {
  it("learns XOR, which no single split separates", async () => {
    const cols = uniform(400, 2, 3);
    const xor = (a: number, b: number) => (a > 0.5 !== b > 0.5 ? 1 : 0);
    const y = Float64Array.from(cols[0]!, (a, i) => xor(a, cols[1]![i]!));
    const model = await trainForest(features(cols), y, { ...base, maxFeatures: "all" });
    const test = uniform(300, 2, 4);
    const truth = Float64Array.from(test[0]!, (a, i) => xor(a, test[1]![i]!));
    expect(accuracy(predictForest(model, features(test)), truth)).toBeGreaterThan(0.95);
    // Importance goes to the two features, none elsewhere.
    expect(model.importance.split[0]).toBeGreaterThan(0);
    expect(model.importance.split[1]).toBeGreaterThan(0);
  });

  it("finds a threshold among noise features and ranks it first", async () => {
    const cols = uniform(500, 6, 5);
    const y = Float64Array.from(cols[2]!, (v) => (v > 0.3 ? 1 : 0));
    const model = await trainForest(features(cols), y, base);
    const test = uniform(300, 6, 6);
    const truth = Float64Array.from(test[2]!, (v) => (v > 0.3 ? 1 : 0));
    expect(accuracy(predictForest(model, features(test)), truth)).toBeGreaterThan(0.97);
    const gain = model.importance.gain;
    expect(gain.indexOf(Math.max(...gain))).toBe(2);
  });

  it("learns where missing values go, and sends unseen ones somewhere", async () => {
    // x0 is missing exactly for class 1; x1 is noise.
    const cols = uniform(300, 2, 7);
    const y = Float64Array.from(cols[0]!, (_, i) => (i % 3 === 0 ? 1 : 0));
    cols[0] = cols[0]!.map((v, i) => (y[i] === 1 ? NaN : v));
    const model = await trainForest(features(cols), y, { ...base, maxFeatures: "all" });
    const p = predictForest(
      model,
      features([
        [NaN, 0.2, 0.9],
        [0.5, 0.5, 0.5],
      ]),
    );
    expect(p[0]).toBeGreaterThan(0.95);
    expect(p[1]).toBeLessThan(0.05);
    expect(p[2]).toBeLessThan(0.05);
    // Trained without missing values, a NaN still reaches a leaf.
    const clean = await trainForest(features(uniform(100, 2, 8)), y.subarray(0, 100), base);
    const q = predictForest(clean, features([[NaN], [NaN]]));
    expect(q[0]).toBeGreaterThanOrEqual(0);
    expect(q[0]).toBeLessThanOrEqual(1);
  });

  it("is deterministic for a seed and differs across seeds", async () => {
    const cols = uniform(200, 4, 9);
    const y = Float64Array.from(cols[0]!, (v, i) => (v + cols[1]![i]! > 1 ? 1 : 0));
    const X = features(cols);
    const a = predictForest(await trainForest(X, y, base), X);
    const b = predictForest(await trainForest(X, y, base), X);
    const c = predictForest(await trainForest(X, y, { ...base, seed: 2 }), X);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it("gives multiclass probabilities that sum to 1", async () => {
    const cols = uniform(300, 3, 10);
    const y = Float64Array.from(cols[0]!, (v) => Math.min(3, Math.floor(v * 4)));
    const model = await trainForest(features(cols), y, {
      ...base,
      task: "multiclass",
      numClasses: 4,
    });
    const test = uniform(100, 3, 11);
    const p = predictForest(model, features(test));
    expect(p.length).toBe(400);
    let right = 0;
    for (let r = 0; r < 100; r++) {
      const row = Array.from(p.subarray(r * 4, r * 4 + 4));
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
      for (const v of row) expect(v).toBeGreaterThanOrEqual(0);
      if (row.indexOf(Math.max(...row)) === Math.min(3, Math.floor(test[0]![r]! * 4))) right++;
    }
    expect(right).toBeGreaterThan(90);
  });

  it("regresses a step and a slope", async () => {
    const cols = uniform(400, 3, 12);
    const f = (a: number, b: number) => (a > 0.5 ? 10 : 0) + 4 * b;
    const y = Float64Array.from(cols[0]!, (a, i) => f(a, cols[1]![i]!));
    const model = await trainForest(features(cols), y, {
      ...base,
      task: "regression",
      numClasses: 1,
    });
    const test = uniform(200, 3, 13);
    const p = predictForest(model, features(test));
    let sse = 0;
    for (let r = 0; r < 200; r++) sse += (p[r]! - f(test[0]![r]!, test[1]![r]!)) ** 2;
    expect(Math.sqrt(sse / 200)).toBeLessThan(0.6);
    // The curve is out-of-bag mean squared error, and it improves as trees are added.
    expect(model.curve).toHaveLength(30);
    expect(model.curve.at(-1)!.train).toBeLessThan(model.curve[0]!.train);
  });

  it("reports each tree, stops on abort and rejects bad input", async () => {
    const cols = uniform(50, 2, 14);
    const y = Float64Array.from(cols[0]!, (v) => (v > 0.5 ? 1 : 0));
    const seen: number[] = [];
    const validation = { X: features(uniform(20, 2, 15)), y: y.subarray(0, 20) };
    const model = await trainForest(
      features(cols),
      y,
      { ...base, trees: 5, bootstrap: false },
      { validation, onTree: (k) => seen.push(k) },
    );
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(model.curve.every((p) => Number.isFinite(p.validation))).toBe(true);
    const stop = new AbortController();
    stop.abort(new Error("cancelled"));
    await expect(trainForest(features(cols), y, base, { signal: stop.signal })).rejects.toThrow(
      "cancelled",
    );
    await expect(
      trainForest(
        features(cols),
        y.map((v) => v * 2),
        base,
      ),
    ).rejects.toThrow(/class at row \d+ is 2/);
    await expect(trainForest(features(cols), y, { ...base, maxBins: 1 })).rejects.toThrow(
      /maxBins/,
    );
  });

  it("grows one-row leaves when asked, and respects depth and leaf size", async () => {
    const cols = uniform(200, 2, 16);
    const y = Float64Array.from(cols[0]!, () => 0).map((_, i) => i % 2);
    const shallow = await trainForest(features(cols), y, { ...base, trees: 3, maxDepth: 2 });
    for (const t of shallow.trees) expect(t.isLeaf.length).toBeLessThanOrEqual(7);
    const stump = await trainForest(features(cols), y, {
      ...base,
      trees: 3,
      minSamplesLeaf: 100,
      bootstrap: false,
    });
    for (const t of stump.trees) expect(t.isLeaf.length).toBeLessThanOrEqual(3);
  });

  it("draws sqrt features for classes and a third for numbers", () => {
    expect(featuresPerSplit("auto", "binary", 30)).toBe(5);
    expect(featuresPerSplit("auto", "regression", 10)).toBe(3);
    expect(featuresPerSplit("log2", "multiclass", 2)).toBe(1);
    expect(featuresPerSplit("all", "regression", 7)).toBe(7);
  });
});
