import { describe, expect, it } from "vitest";
import type { Features } from "./features";
import { trainNet } from "./neural";
import { mulberry32 } from "./random";

function circle(n: number, seed: number): { X: Features; y: Float64Array } {
  const rand = mulberry32(seed);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = rand() * 4 - 2;
    b[i] = rand() * 4 - 2;
    y[i] = a[i]! ** 2 + b[i]! ** 2 < 1.5 ? 1 : 0;
  }
  return { X: { rows: n, names: ["a", "b"], columns: [a, b] }, y };
}

const params = {
  hidden: [16],
  head: "sigmoid" as const,
  outputs: 1,
  l2: 1e-4,
  learningRate: 0.05,
  epochs: 60,
  batchSize: 128,
  earlyStoppingRounds: 0,
  seed: 3,
};

describe("networks trained by onnxruntime", () => {
  it("learn a non-linear boundary that a linear model cannot, and are deterministic for a seed", async () => {
    const { X, y } = circle(1500, 1);
    const mlp = await trainNet(X, y, params);
    const again = await trainNet(X, y, params);
    const linear = await trainNet(X, y, { ...params, hidden: [] });
    expect(mlp.curve.at(-1)!.train).toBeLessThan(0.15);
    expect(linear.curve.at(-1)!.train).toBeGreaterThan(0.5);
    expect(Array.from(again.layers[0]!.W)).toEqual(Array.from(mlp.layers[0]!.W));
    const other = await trainNet(X, y, { ...params, seed: 4 });
    expect(Array.from(other.layers[0]!.W)).not.toEqual(Array.from(mlp.layers[0]!.W));
  });

  it("stops early on validation loss and keeps the best epoch", async () => {
    const train = circle(60, 2);
    // Noisy labels: the validation loss turns up once the network memorizes the training rows.
    const noisy = Float64Array.from(train.y, (v, i) => (i % 3 === 0 ? 1 - v : v));
    const model = await trainNet(
      train.X,
      noisy,
      { ...params, hidden: [64], epochs: 400, earlyStoppingRounds: 10 },
      {
        validation: circle(400, 3),
      },
    );
    expect(model.curve.length).toBeLessThan(400);
    const best = Math.min(...model.curve.map((c) => c.validation!));
    expect(model.curve[model.bestEpoch - 1]!.validation).toBe(best);
  });

  it("names the column and row of a missing feature value", async () => {
    const { X, y } = circle(10, 5);
    X.columns[1]![4] = NaN;
    await expect(trainNet(X, y, params)).rejects.toThrow(
      /column "b" has a missing or infinite value \(row 5\)/,
    );
  });
});
