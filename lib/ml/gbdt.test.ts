import { describe, expect, it } from "vitest";
import { mulberry32 } from "./random";
import type { Features } from "./features";
import { binUpperBounds } from "./binning";
import {
  deserializeGbdt,
  predict,
  predictRaw,
  serializeGbdt,
  trainGbdt,
  trainGbdtDetailed,
  type GbdtModel,
  type GbdtParams,
  type GbdtTree,
} from "./gbdt";

const base: GbdtParams = {
  objective: "binary",
  numClasses: 1,
  trees: 60,
  learningRate: 0.2,
  maxDepth: -1,
  maxLeaves: 15,
  minDataInLeaf: 10,
  minSumHessianInLeaf: 1e-3,
  lambda: 1,
  maxBins: 63,
  featureFraction: 1,
  earlyStoppingRounds: 0,
  seed: 7,
};

interface Data {
  X: Features;
  y: Float64Array;
}

/** Rows of `width` standard normal features (float32) and a target from `label`. */
function generate(
  rows: number,
  width: number,
  seed: number,
  label: (x: Float32Array, noise: number, u: number) => number,
): Data {
  const rng = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(rng() || 1e-12)) * Math.cos(2 * Math.PI * rng());
  const columns = Array.from({ length: width }, () => new Float32Array(rows));
  const y = new Float64Array(rows);
  const row = new Float32Array(width);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) row[j] = columns[j]![r] = normal();
    y[r] = label(row, normal(), rng());
  }
  return { X: { rows, names: columns.map((_, j) => `x${j}`), columns }, y };
}

function slice(d: Data, from: number, to: number): Data {
  return {
    X: {
      rows: to - from,
      names: d.X.names,
      columns: d.X.columns.map((c) => c.slice(from, to)),
    },
    y: d.y.slice(from, to),
  };
}

const logloss = (p: Float64Array, y: Float64Array) =>
  p.reduce((s, pi, i) => s - Math.log(Math.max(1e-15, y[i] === 1 ? pi : 1 - pi)), 0) / y.length;

const accuracy = (p: Float64Array, y: Float64Array) =>
  p.reduce((s, pi, i) => s + ((pi > 0.5 ? 1 : 0) === y[i] ? 1 : 0), 0) / y.length;

/** The leaf a row reaches, walking the tree with the documented float32 rule. */
function leafOf(tree: GbdtTree, X: Features, r: number): number {
  let nd = 0;
  while (!tree.isLeaf[nd]) {
    const x = X.columns[tree.feature[nd]!]![r]!;
    const left = Number.isNaN(x) ? tree.missingLeft[nd] === 1 : x <= tree.threshold[nd]!;
    nd = left ? tree.left[nd]! : tree.right[nd]!;
  }
  return nd;
}

function depthOf(tree: GbdtTree, nd: number): number {
  if (tree.isLeaf[nd]) return 0;
  return 1 + Math.max(depthOf(tree, tree.left[nd]!), depthOf(tree, tree.right[nd]!));
}

const roundTrip = (m: GbdtModel) => deserializeGbdt(JSON.parse(JSON.stringify(serializeGbdt(m))));

// A nonlinear binary problem: two interactions and a threshold, 10% label noise.
const binary = generate(6000, 6, 1, (x, _n, u) => {
  const s = Math.sin(2 * x[0]!) + x[1]! * x[2]! + (x[3]! > 0.5 ? 1 : -0.4);
  return u < 0.1 ? Number(s <= 0) : Number(s > 0);
});
const binTrain = slice(binary, 0, 4000);
const binTest = slice(binary, 4000, 6000);

describe("gradient-boosted trees", () => {
  it("learns a nonlinear binary problem far better than the prior", async () => {
    const model = await trainGbdt(binTrain.X, binTrain.y, base);
    const p = predict(model, binTest.X);
    const prior = binTrain.y.reduce((s, v) => s + v, 0) / binTrain.y.length;
    const constant = logloss(new Float64Array(p.length).fill(prior), binTest.y);
    // 10% of the labels are flipped, so about 0.9 is the best possible accuracy.
    expect(accuracy(p, binTest.y)).toBeGreaterThan(0.83);
    expect(logloss(p, binTest.y)).toBeLessThan(constant * 0.65);
    expect(model.trees).toHaveLength(base.trees);
    expect(model.bestIteration).toBe(base.trees);
    expect(model.curve.at(-1)!.train).toBeLessThan(model.curve[0]!.train);
    for (const t of model.trees)
      expect(t.isLeaf.reduce((s, v) => s + v, 0)).toBeLessThanOrEqual(15);
    const informative = model.importance.gain.slice(0, 4).reduce((s, g) => s + g, 0);
    const noise = model.importance.gain.slice(4).reduce((s, g) => s + g, 0);
    expect(informative).toBeGreaterThan(10 * noise);
  });

  it("ranks the one informative feature first by gain importance", async () => {
    const d = generate(3000, 5, 2, (x, n) => (x[3]! + 0.3 * n > 0 ? 1 : 0));
    d.X.columns[1]!.fill(2.5);
    const model = await trainGbdt(d.X, d.y, { ...base, trees: 20 });
    const { gain, split } = model.importance;
    expect([gain[1], split[1]]).toEqual([0, 0]);
    expect(gain.indexOf(Math.max(...gain))).toBe(3);
    expect(gain[3]).toBeGreaterThan(5 * Math.max(...gain.filter((_, j) => j !== 3)));
    expect(split[3]).toBeGreaterThan(0);
    expect(split.reduce((s, v) => s + v, 0)).toBe(
      model.trees.reduce((s, t) => s + t.isLeaf.reduce((a, v) => a + 1 - v, 0), 0),
    );
  });

  it("learns a three-class problem with softmax, one tree per class per round", async () => {
    const d = generate(4500, 4, 3, (x) =>
      x[0]! + 0.5 * x[1]! * x[1]! > 1 ? 2 : Math.abs(x[2]!) < 0.7 ? 1 : 0,
    );
    const train = slice(d, 0, 3000);
    const test = slice(d, 3000, 4500);
    const model = await trainGbdt(train.X, train.y, {
      ...base,
      objective: "multiclass",
      numClasses: 3,
      trees: 40,
    });
    expect(model.trees).toHaveLength(120);
    expect(model.trees.map((t) => t.classIndex).slice(0, 6)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(model.baseScore).toHaveLength(3);
    const p = predict(model, test.X);
    expect(p).toHaveLength(1500 * 3);
    let correct = 0;
    const counts = [0, 0, 0];
    for (let r = 0; r < test.X.rows; r++) {
      const row = [p[3 * r]!, p[3 * r + 1]!, p[3 * r + 2]!];
      expect(row[0]! + row[1]! + row[2]!).toBeCloseTo(1, 12);
      if (row.indexOf(Math.max(...row)) === test.y[r]) correct++;
      counts[test.y[r]!]!++;
    }
    const majority = Math.max(...counts) / test.X.rows;
    expect(correct / test.X.rows).toBeGreaterThan(0.9);
    expect(correct / test.X.rows).toBeGreaterThan(majority + 0.3);
  });

  it("fits a regression far below the variance, minDataInLeaf holding exactly", async () => {
    const d = generate(4000, 4, 4, (x, n) => 3 * Math.sin(x[0]!) + x[1]! * x[1]! + 0.3 * n + 10);
    const train = slice(d, 0, 3000);
    const test = slice(d, 3000, 4000);
    const params = { ...base, objective: "regression" as const, trees: 80, minDataInLeaf: 25 };
    const model = await trainGbdt(train.X, train.y, params);
    expect(model.baseScore[0]).toBeCloseTo(train.y.reduce((s, v) => s + v, 0) / 3000, 9);
    const p = predict(model, test.X);
    const mean = test.y.reduce((s, v) => s + v, 0) / test.y.length;
    const variance = test.y.reduce((s, v) => s + (v - mean) ** 2, 0) / test.y.length;
    const mse = p.reduce((s, v, i) => s + (v - test.y[i]!) ** 2, 0) / p.length;
    expect(mse).toBeLessThan(0.1 * variance);
    expect(model.curve.at(-1)!.train).toBeLessThan(0.1 * variance);
    // With unit hessians the row counts of the split search are exact.
    for (const tree of model.trees.slice(0, 10)) {
      const rows = new Map<number, number>();
      for (let r = 0; r < train.X.rows; r++) {
        const leaf = leafOf(tree, train.X, r);
        rows.set(leaf, (rows.get(leaf) ?? 0) + 1);
      }
      expect(Math.min(...rows.values())).toBeGreaterThanOrEqual(25);
    }
  });

  it("routes missing values with the rows they resemble", async () => {
    // Positives have a low x0 or (mostly) none at all, negatives a high one; x1 is noise. The
    // best first split sends the missing values left, with the low ones.
    const d = generate(3000, 2, 5, (_x, _n, u) => (u < 0.5 ? 1 : 0));
    const x0 = d.X.columns[0]!;
    for (let r = 0; r < d.X.rows; r++) {
      const v = Math.abs(x0[r]!);
      x0[r] = d.y[r] === 0 ? 1 + v : r % 4 === 0 ? -1 - v : NaN;
    }
    const model = await trainGbdt(d.X, d.y, { ...base, trees: 20 });
    const root = model.trees[0]!;
    expect([root.feature[0], root.missingLeft[0]]).toEqual([0, 1]);
    const probe: Features = {
      rows: 3,
      names: d.X.names,
      columns: [Float32Array.of(NaN, -1.5, 1.5), Float32Array.of(0.1, 0.1, 0.1)],
    };
    const [missing, low, high] = predict(model, probe);
    expect(missing).toBeGreaterThan(0.95);
    expect(low).toBeGreaterThan(0.95);
    expect(high).toBeLessThan(0.05);
    expect(model.importance.gain[0]).toBeGreaterThan(100 * model.importance.gain[1]!);
  });

  it("splits missing from present with threshold +Infinity when that is all there is", async () => {
    const rows = 400;
    const x0 = new Float32Array(rows);
    const y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      y[r] = r % 2;
      x0[r] = y[r] === 1 ? NaN : 3;
    }
    const X: Features = { rows, names: ["flag"], columns: [x0] };
    const model = await trainGbdt(X, y, { ...base, trees: 5, minDataInLeaf: 5 });
    const root = model.trees[0]!;
    expect(root.threshold[0]).toBe(Infinity);
    expect(root.missingLeft[0]).toBe(0);
    const again = roundTrip(model);
    expect(again.trees[0]!.threshold[0]).toBe(Infinity);
    expect(predictRaw(again, X)).toEqual(predictRaw(model, X));
    const p = predict(model, X);
    expect(p[0]).toBeLessThan(0.2);
    expect(p[1]).toBeGreaterThan(0.8);
  });

  it("walks every training row to the leaf its training partition put it in", async () => {
    // Awkward float32 data: adjacent float32 values, many ties, -0 and 0, infinities, huge and
    // tiny magnitudes, missing values; few bins, so most bins hold several values.
    const rows = 3000;
    const rng = mulberry32(11);
    const columns = [0, 1, 2, 3].map(() => new Float32Array(rows));
    const y = new Float64Array(rows);
    const special = [-Infinity, Infinity, -0, 0, 3.4e38, -3.4e38, 1e-40, NaN];
    for (let r = 0; r < rows; r++) {
      columns[0]![r] = Math.fround(1 + Math.floor(rng() * 40) * 2 ** -23);
      columns[1]![r] = Math.floor(rng() * 7) - 3;
      columns[2]![r] = rng() < 0.1 ? special[Math.floor(rng() * special.length)]! : rng() * 1e6;
      columns[3]![r] = Math.fround(rng() * 2 - 1);
      const signal = (columns[0]![r]! - 1) * 2 ** 23 - 20 + 5 * columns[1]![r]! + columns[3]![r]!;
      y[r] = signal + (rng() - 0.5) * 4;
    }
    const X: Features = { rows, names: ["adjacent", "ties", "special", "plain"], columns };
    for (const objective of ["regression", "binary", "multiclass"] as const) {
      const target =
        objective === "regression"
          ? y
          : objective === "binary"
            ? y.map((v) => (v > 0 ? 1 : 0))
            : y.map((v) => (v < -10 ? 0 : v < 10 ? 1 : 2));
      const { model, trainRaw } = await trainGbdtDetailed(X, target, {
        ...base,
        objective,
        numClasses: objective === "multiclass" ? 3 : 1,
        trees: 15,
        maxLeaves: 31,
        minDataInLeaf: 3,
        maxBins: 16,
      });
      for (const t of model.trees) for (const v of t.threshold) expect(Math.fround(v)).toBe(v);
      // Same leaves, same additions in the same order: the scores agree to the last bit.
      expect(predictRaw(model, X)).toEqual(trainRaw);
    }
  });

  it("puts a float32 threshold between adjacent float32 values below the upper one", () => {
    const lo = Math.fround(1);
    const hi = Math.fround(1 + 2 ** -23);
    const bounds = binUpperBounds(Float32Array.of(lo, lo, hi, hi, hi), 255);
    expect(Array.from(bounds)).toEqual([lo, Infinity]);
    // Halfway between these two rounds (to even) up to the upper one: the lower must be taken.
    const odd = Math.fround(1 + 2 ** -23);
    const even = Math.fround(1 + 2 ** -22);
    expect(Array.from(binUpperBounds(Float32Array.of(odd, even), 255))).toEqual([odd, Infinity]);
    const many = Float32Array.from({ length: 1000 }, (_, i) => i % 500).sort();
    const quantiles = binUpperBounds(many, 10);
    expect(quantiles).toHaveLength(10);
    for (let b = 1; b < quantiles.length; b++)
      expect(quantiles[b]).toBeGreaterThan(quantiles[b - 1]!);
    // 100 small values, 600 copies of 500, then 300 larger values: 500 gets a bin of its own.
    const heavy = Float32Array.from({ length: 1000 }, (_, i) =>
      i < 100 ? i + 1 : i < 700 ? 500 : i - 100,
    ).sort();
    const own = Array.from(binUpperBounds(heavy, 8));
    expect(own.slice(0, 2)).toEqual([300, 550]);
    expect(own).toHaveLength(8);
  });

  it("sets leaves to -G / (H + lambda) * lr and gains to the split formula", async () => {
    const d = generate(2000, 3, 9, (x) => (x[0]! > 0.3 ? 2 : x[1]! > 0 ? 1 : 0));
    const lambda = 3;
    const score = (G: number, H: number) => (G * G) / (H + lambda);
    for (const objective of ["regression", "binary", "multiclass"] as const) {
      const K = objective === "multiclass" ? 3 : 1;
      const y = objective === "binary" ? d.y.map((v) => (v === 2 ? 1 : 0)) : d.y;
      const params = { ...base, objective, numClasses: K, trees: 1, lambda, learningRate: 0.3 };
      const model = await trainGbdt(d.X, y, params);
      const prior = model.baseScore.map(Math.exp);
      const total = prior.reduce((s, v) => s + v, 0);
      const gain = new Array<number>(3).fill(0);
      for (const tree of model.trees) {
        const c = tree.classIndex;
        const G = new Float64Array(tree.isLeaf.length);
        const H = new Float64Array(tree.isLeaf.length);
        for (let r = 0; r < d.X.rows; r++) {
          let g: number;
          let h: number;
          if (objective === "regression") [g, h] = [model.baseScore[0]! - y[r]!, 1];
          else if (objective === "binary") {
            const p = 1 / (1 + Math.exp(-model.baseScore[0]!));
            [g, h] = [p - y[r]!, p * (1 - p)];
          } else {
            const p = prior[c]! / total;
            [g, h] = [p - (y[r] === c ? 1 : 0), p * (1 - p)];
          }
          // Every node on the row's path gets its gradient.
          let nd = 0;
          for (;;) {
            G[nd]! += g;
            H[nd]! += h;
            if (tree.isLeaf[nd]) break;
            const x = d.X.columns[tree.feature[nd]!]![r]!;
            nd = x <= tree.threshold[nd]! ? tree.left[nd]! : tree.right[nd]!;
          }
        }
        expect(tree.isLeaf.length).toBeGreaterThan(1);
        for (let nd = 0; nd < tree.isLeaf.length; nd++) {
          if (tree.isLeaf[nd]) {
            expect(tree.value[nd]).toBeCloseTo((-G[nd]! / (H[nd]! + lambda)) * 0.3, 9);
            continue;
          }
          const [l, r] = [tree.left[nd]!, tree.right[nd]!];
          gain[tree.feature[nd]!]! +=
            score(G[l]!, H[l]!) + score(G[r]!, H[r]!) - score(G[nd]!, H[nd]!);
        }
      }
      gain.forEach((g, j) => {
        expect(Math.abs(model.importance.gain[j]! - g)).toBeLessThanOrEqual(1e-9 * (1 + g));
      });
    }
  });

  it("respects maxDepth", async () => {
    const model = await trainGbdt(binTrain.X, binTrain.y, {
      ...base,
      trees: 10,
      maxDepth: 3,
      maxLeaves: 31,
    });
    for (const t of model.trees) expect(depthOf(t, 0)).toBeLessThanOrEqual(3);
    expect(Math.max(...model.trees.map((t) => depthOf(t, 0)))).toBe(3);
  });

  it("is deterministic for a seed, and the seed matters", async () => {
    const params = { ...base, trees: 15, featureFraction: 0.5 };
    const model = await trainGbdt(binTrain.X, binTrain.y, params);
    // Each tree samples 3 of the 6 features.
    for (const t of model.trees) {
      const used = new Set(t.feature.filter((_, nd) => !t.isLeaf[nd]));
      expect(used.size).toBeLessThanOrEqual(3);
    }
    const a = JSON.stringify(serializeGbdt(model));
    const b = JSON.stringify(serializeGbdt(await trainGbdt(binTrain.X, binTrain.y, params)));
    const c = JSON.stringify(
      serializeGbdt(await trainGbdt(binTrain.X, binTrain.y, { ...params, seed: 8 })),
    );
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it("round-trips through JSON with identical predictions", async () => {
    const model = await trainGbdt(binTrain.X, binTrain.y, { ...base, trees: 10 });
    const again = roundTrip(model);
    expect(again.trees[0]!.threshold).toBeInstanceOf(Float32Array);
    expect(predictRaw(again, binTest.X)).toEqual(predictRaw(model, binTest.X));
    expect(again.importance).toEqual(model.importance);
    expect(again.curve).toEqual(model.curve);
    expect(() => deserializeGbdt({ format: "something else" })).toThrow(/not a serialized/);
  });

  it("stops early when the validation loss rises and keeps the best round's trees", async () => {
    // Tiny data and a quarter of the labels flipped: after a few rounds the trees fit noise.
    const d = generate(600, 4, 6, (x, _n, u) =>
      u < 0.25 ? Number(x[0]! <= 0) : Number(x[0]! > 0),
    );
    const train = slice(d, 0, 300);
    const validation = slice(d, 300, 600);
    const rounds: number[] = [];
    const { model, trainRaw } = await trainGbdtDetailed(
      train.X,
      train.y,
      {
        ...base,
        trees: 300,
        learningRate: 0.1,
        maxLeaves: 31,
        minDataInLeaf: 2,
        lambda: 0,
        earlyStoppingRounds: 10,
      },
      { validation, onRound: (round) => rounds.push(round) },
    );
    expect(model.bestIteration).toBeGreaterThan(3);
    expect(model.bestIteration).toBeLessThan(50);
    expect(model.trees).toHaveLength(model.bestIteration);
    expect(model.curve).toHaveLength(model.bestIteration + 10);
    expect(rounds).toEqual(model.curve.map((p) => p.iteration));
    const losses = model.curve.map((p) => p.validation!);
    expect(Math.min(...losses)).toBe(losses[model.bestIteration - 1]);
    expect(losses.at(-1)).toBeGreaterThan(losses[model.bestIteration - 1]!);
    const internal = model.trees.reduce((s, t) => s + t.isLeaf.reduce((a, v) => a + 1 - v, 0), 0);
    expect(model.importance.split.reduce((s, v) => s + v, 0)).toBe(internal);
    // The returned training scores are those of the kept rounds.
    expect(predictRaw(model, train.X)).toEqual(trainRaw);
    const p = predict(model, validation.X);
    expect(logloss(p, validation.y)).toBeCloseTo(losses[model.bestIteration - 1]!, 9);
  });

  it("reports every round and stops when the signal aborts", async () => {
    const controller = new AbortController();
    const seen: [number, number, number, number | undefined][] = [];
    const run = trainGbdt(
      binTrain.X,
      binTrain.y,
      { ...base, trees: 50 },
      {
        validation: binTest,
        signal: controller.signal,
        onRound: (round, total, train, validation) => {
          seen.push([round, total, train, validation]);
          if (round === 3) controller.abort(new Error("cancelled by the user"));
        },
      },
    );
    await expect(run).rejects.toThrow("cancelled by the user");
    expect(seen.map((s) => s[0])).toEqual([1, 2, 3]);
    expect(seen.every(([, total, train, v]) => total === 50 && train > 0 && v! > 0)).toBe(true);
    const aborted = new AbortController();
    aborted.abort();
    await expect(
      trainGbdt(binTrain.X, binTrain.y, base, { signal: aborted.signal }),
    ).rejects.toThrow();
  });

  it("yields to the event loop once a round", async () => {
    let ticks = 0;
    let training = true;
    const tick = () => {
      ticks++;
      if (training) setImmediate(tick);
    };
    setImmediate(tick);
    await trainGbdt(binTrain.X, binTrain.y, { ...base, trees: 30 });
    training = false;
    expect(ticks).toBeGreaterThanOrEqual(30);
  });

  it("rejects bad input with errors that say what is wrong", async () => {
    const X = binTrain.X;
    const y = binTrain.y;
    const empty: Features = { rows: 0, names: ["a"], columns: [new Float32Array(0)] };
    await expect(trainGbdt(empty, new Float64Array(0), base)).rejects.toThrow(/no rows/);
    await expect(trainGbdt(X, y.slice(1), base)).rejects.toThrow(/3999 targets for 4000 rows/);
    const two = y.slice();
    two[17] = 2;
    await expect(trainGbdt(X, two, base)).rejects.toThrow(
      /row 17 is 2, expected an integer in 0\.\.1/,
    );
    const multi = { ...base, objective: "multiclass" as const, numClasses: 3 };
    const three = y.slice();
    three[5] = 3;
    await expect(trainGbdt(X, three, multi)).rejects.toThrow(/row 5 is 3/);
    three[5] = 0.5;
    await expect(trainGbdt(X, three, multi)).rejects.toThrow(/row 5 is 0\.5/);
    const regression = { ...base, objective: "regression" as const };
    const target = y.slice();
    target[42] = NaN;
    await expect(trainGbdt(X, target, regression)).rejects.toThrow(/row 42 is not finite/);
    target[42] = Infinity;
    await expect(trainGbdt(X, target, regression)).rejects.toThrow(/row 42 is not finite/);
    await expect(trainGbdt(X, y, { ...base, earlyStoppingRounds: 5 })).rejects.toThrow(
      /validation/,
    );
    await expect(trainGbdt(X, y, { ...base, maxBins: 256 })).rejects.toThrow(/maxBins/);
    await expect(trainGbdt(X, y, { ...base, numClasses: 2 })).rejects.toThrow(/numClasses/);
    const short: Features = { ...X, columns: [X.columns[0]!.slice(1), ...X.columns.slice(1)] };
    await expect(trainGbdt(short, y, base)).rejects.toThrow(/column x0 has 3999 values/);
    const model = await trainGbdt(X, y, { ...base, trees: 1 });
    expect(() => predict(model, { rows: 1, names: ["a"], columns: [new Float32Array(1)] })).toThrow(
      /expected 6 features/,
    );
  });
});
