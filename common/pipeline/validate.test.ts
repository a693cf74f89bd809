import { describe, expect, it } from "vitest";
import { LIMITS } from "./schema";
import { validatePipeline } from "./validate";

const doc = (nodes: unknown[], edges: unknown[] = []) => ({
  apiVersion: "flowforge.dev/v1",
  kind: "Pipeline",
  name: "t",
  nodes,
  edges,
});
const codes = (input: unknown) => {
  const r = validatePipeline(input);
  return r.ok ? [] : r.errors.map((e) => [e.code, e.nodeId ?? null, e.port ?? e.param ?? null]);
};

describe("validatePipeline", () => {
  it("accepts the sample pipeline shape", () => {
    expect(
      codes(
        doc(
          [
            { id: "a", type: "internal.numbers" },
            { id: "b", type: "internal.sum" },
          ],
          [{ source: "a", sourcePort: "numbers", target: "b", targetPort: "numbers" }],
        ),
      ),
    ).toEqual([]);
  });

  it("asks for a trainer's label when neither it nor the Split upstream names one", () => {
    const three = (a: string, b: string) =>
      ["train", "validation", "test"].map((p) => ({
        source: a,
        sourcePort: p,
        target: b,
        targetPort: p,
      }));
    const pipeline = (split: object, train: object) =>
      doc(
        [
          { id: "raw", type: "ingest.sample", params: { dataset: "penguins" } },
          { id: "split", type: "prep.split", params: split },
          { id: "impute", type: "prep.impute", params: {} },
          { id: "encode", type: "prep.encode", params: {} },
          { id: "train", type: "train.gbdt", params: train },
        ],
        [
          { source: "raw", sourcePort: "dataset", target: "split", targetPort: "input" },
          ...three("split", "impute"),
          ...three("impute", "encode"),
          { source: "encode", sourcePort: "train", target: "train", targetPort: "train" },
        ],
      );
    expect(codes(pipeline({}, {}))).toEqual([["missing_label", "train", "label"]]);
    const r = validatePipeline(pipeline({}, {}));
    expect(r.ok ? "" : r.errors[0]!.message).toBe(
      'Node "train" — Label column: choose the column to predict, here or as the Split\'s Label (target)',
    );
    // Named at the Split, found back through the fitted steps; or named by the trainer itself.
    expect(codes(pipeline({ label: "species" }, {}))).toEqual([]);
    expect(codes(pipeline({}, { label: "species" }))).toEqual([]);
  });

  it("lets only GPU-capable nodes ask for the gpu queue, and compiles them onto it", async () => {
    const { compilePipeline } = await import("../../server/compiler/compile");
    const train = { label: "y" };
    expect(codes(doc([{ id: "s", type: "internal.numbers", runtime: { gpu: true } }]))).toEqual([
      ["gpu_not_supported", "s", null],
    ]);
    const pipeline = doc(
      [
        { id: "a", type: "ingest.sample", params: { dataset: "penguins" } },
        { id: "m", type: "train.mlp", params: train, runtime: { gpu: true } },
        { id: "g", type: "train.gbdt", params: train },
      ],
      [
        { source: "a", sourcePort: "dataset", target: "m", targetPort: "train" },
        { source: "a", sourcePort: "dataset", target: "g", targetPort: "train" },
      ],
    );
    expect(codes(pipeline)).toEqual([]);
    const { plan } = compilePipeline(pipeline);
    expect(Object.fromEntries(plan.steps.map((s) => [s.id, s.taskQueue]))).toEqual({
      a: "cpu",
      g: "cpu",
      m: "gpu",
    });
  });

  it("names the field of a malformed document", () => {
    const r = validatePipeline({ apiVersion: "v0", nodes: "x" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.message).join("\n")).toMatch(/apiVersion/);
  });

  it("reports unknown types, duplicate ids, bad params, missing and doubled inputs, kinds and cycles", () => {
    expect(codes(doc([{ id: "a", type: "nope" }]))).toEqual([["unknown_type", "a", null]]);
    expect(
      codes(
        doc([
          { id: "a", type: "internal.numbers" },
          { id: "a", type: "internal.numbers" },
        ]),
      ),
    ).toEqual([["duplicate_id", "a", null]]);
    expect(codes(doc([{ id: "a", type: "internal.numbers", params: { count: -1 } }]))).toEqual([
      ["invalid_param", "a", "count"],
    ]);
    expect(codes(doc([{ id: "s", type: "internal.sum" }]))).toEqual([
      ["missing_input", "s", "numbers"],
    ]);
    expect(
      codes(
        doc(
          [
            { id: "a", type: "internal.numbers" },
            { id: "b", type: "internal.numbers" },
            { id: "s", type: "internal.sum" },
          ],
          [
            { source: "a", sourcePort: "numbers", target: "s", targetPort: "numbers" },
            { source: "b", sourcePort: "numbers", target: "s", targetPort: "numbers" },
          ],
        ),
      ),
    ).toEqual([["input_fed_twice", "s", "numbers"]]);
    expect(
      codes(
        doc(
          [
            { id: "s", type: "internal.sum" },
            { id: "t", type: "internal.sleep" },
          ],
          [{ source: "s", sourcePort: "summary", target: "t", targetPort: "in" }],
        ),
      ),
    ).toEqual([
      ["port_kind_mismatch", "t", "in"],
      ["missing_input", "s", "numbers"],
    ]);
    expect(
      codes(
        doc(
          [
            { id: "x", type: "internal.sleep" },
            { id: "y", type: "internal.sleep" },
          ],
          [
            { source: "x", sourcePort: "out", target: "y", targetPort: "in" },
            { source: "y", sourcePort: "out", target: "x", targetPort: "in" },
          ],
        ),
      ),
    ).toEqual([
      ["cycle", "x", null],
      ["cycle", "y", null],
    ]);
    expect(
      codes(
        doc(
          [{ id: "a", type: "internal.numbers" }],
          [{ source: "a", sourcePort: "nope", target: "ghost", targetPort: "in" }],
        ),
      ),
    ).toEqual([["unknown_node", "ghost", null]]);
  });
});

describe("size limits", () => {
  it("refuses graphs over the documented limits before parsing them", () => {
    const nodes = Array.from({ length: LIMITS.nodes + 1 }, (_, i) => ({
      id: `n${i}`,
      type: "internal.noop",
    }));
    expect(codes(doc(nodes))).toEqual([["graph_too_large", null, null]]);
    const big = doc([
      { id: "a", type: "internal.noop", params: { tag: "x".repeat(LIMITS.paramsBytes) } },
    ]);
    expect(codes(big)).toEqual([["graph_too_large", "a", null]]);
  });
});
