import { afterAll, describe, expect, it } from "vitest";
import type { Signature } from "../../lib/ml/export";
import { GraphBuilder } from "../../lib/ml/onnx/builder";
import { localScorers } from "./scorer";
import { threadScorers } from "./thread-scorers";

// prediction = a * 2 + b, computed in float: one numeric input after another, as serving packs them.
function model(): { bytes: Uint8Array; signature: Signature } {
  const g = new GraphBuilder("scorer-test");
  g.input("a", "double", ["N", 1]);
  g.input("b", "double", ["N", 1]);
  const sum = g.op("Add", [g.op("Mul", ["a", g.scalar(2, "double")]), "b"]);
  const flat = g.op("Reshape", [sum, g.constant({ type: "int64", dims: [1], data: [-1] })]);
  g.op("Cast", [flat], { to: { i: 1 } }, { outputs: ["prediction"] });
  g.output("prediction", "float", ["N"]);
  const input = (name: string) => ({
    name,
    column: name,
    type: "double" as const,
    sourceType: "DOUBLE",
  });
  return {
    bytes: g.toBytes(),
    signature: {
      task: "regression",
      label: "y",
      features: ["a", "b"],
      inputs: [input("a"), input("b")],
      outputs: [{ name: "prediction", type: "float", shape: ["N"] }],
    },
  };
}

describe("scorers", () => {
  const threads = threadScorers();
  afterAll(() => threads.close());
  const { bytes, signature } = model();
  const columns = { a: Float64Array.from([1, 2, 3]), b: Float64Array.from([10, 20, NaN]) };

  it("score the same in the inference thread as in the calling thread", async () => {
    const local = await localScorers.open(bytes, signature);
    const remote = await threads.open(bytes, signature);
    const expected = await local.run(3, columns);
    expect(Array.from(expected.prediction!)).toEqual([12, 24, NaN]);
    expect(await remote.run(3, columns)).toEqual(expected);
    await Promise.all([local.release(), remote.release()]);
  });

  it("answer calls side by side, each with its own rows", async () => {
    const remote = await threads.open(bytes, signature);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        remote.run(1, { a: Float64Array.of(i), b: Float64Array.of(1) }),
      ),
    );
    expect(results.map((r) => r.prediction![0])).toEqual(
      Array.from({ length: 50 }, (_, i) => i * 2 + 1),
    );
  });

  it("reopen the model in a new thread after the thread is gone", async () => {
    const remote = await threads.open(bytes, signature);
    await threads.close();
    expect(Array.from((await remote.run(3, columns)).prediction!)).toEqual([12, 24, NaN]);
  });

  it("reject a run the model cannot take, naming why, and keep serving", async () => {
    const remote = await threads.open(bytes, {
      ...signature,
      inputs: signature.inputs.slice(0, 1),
    });
    await expect(remote.run(1, { a: Float64Array.of(1) })).rejects.toThrow(/b/);
    const ok = await threads.open(bytes, signature);
    expect((await ok.run(1, { a: Float64Array.of(1), b: Float64Array.of(1) })).prediction![0]).toBe(
      3,
    );
  });
});
