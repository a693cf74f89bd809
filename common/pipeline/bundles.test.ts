import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePipeline } from "../../server/compiler/compile";
import { expandEdges, portViews } from "./bundles";
import { upgradePipeline } from "./convert";
import { validatePipeline } from "./validate";
import { getNodeDefinition } from "../../nodes/index";
import type { PipelineFile } from "./schema";

const v1 = JSON.parse(
  readFileSync(new URL("./fixtures/penguins-v1.pipeline.json", import.meta.url), "utf8"),
) as PipelineFile;

const doc = (edges: PipelineFile["edges"], nodes = v1.nodes) => ({
  apiVersion: "flowforge.dev/v2",
  kind: "Pipeline",
  name: "b",
  nodes,
  edges,
});
const edge = (source: string, sourcePort: string, target: string, targetPort: string) => ({
  source,
  sourcePort,
  target,
  targetPort,
});

describe("the splits bundle", () => {
  it("shows a fitted step's three splits as one port where the first was", () => {
    const impute = getNodeDefinition("prep.impute")!;
    expect(portViews(impute.inputs).map((p) => [p.name, p.kind, p.members])).toEqual([
      ["splits", "splits", ["train", "validation", "test"]],
    ]);
    expect(portViews(impute.outputs).map((p) => p.name)).toEqual(["splits", "state"]);
    expect(portViews(getNodeDefinition("train.gbdt")!.inputs)[0]?.members).toEqual([
      "train",
      "validation",
    ]);
  });

  it("converts a version 1 file: full sets of split edges become one edge each, the plan is the same", () => {
    const converted = upgradePipeline(v1) as PipelineFile;
    expect(converted.apiVersion).toBe("flowforge.dev/v2");
    const line = (e: PipelineFile["edges"][number]) =>
      `${e.source}.${e.sourcePort}->${e.target}.${e.targetPort}`;
    expect(converted.edges.map(line)).toEqual([
      "raw.dataset->split.input",
      "split.splits->impute.splits",
      "impute.splits->encode.splits",
      "encode.splits->scale.splits",
      "scale.splits->gbdt.splits",
      "scale.splits->tune.splits",
      "gbdt.model->eval.model",
      // One split into a dataset port stays a member edge.
      "split.test->eval.test",
      "tune.model->eval-tuned.model",
      "split.test->eval-tuned.test",
      "gbdt.model->explain.model",
      "split.test->explain.test",
    ]);
    expect(v1.edges).toHaveLength(20);
    // Same steps, same inputs, same hash: a converted pipeline keeps its cache.
    expect(compilePipeline(converted)).toEqual(compilePipeline(v1));
    expect(upgradePipeline(converted)).toBe(converted);
  });

  it("keeps a partial set of member edges as they are, and bundles what follows it", () => {
    const partial = {
      ...v1,
      edges: v1.edges.filter(
        (e) => !(["impute", "encode", "scale"].includes(e.target) && e.targetPort === "test"),
      ),
    };
    const converted = upgradePipeline(partial) as PipelineFile;
    expect(converted.edges.filter((e) => e.target === "impute").map((e) => e.targetPort)).toEqual([
      "train",
      "validation",
    ]);
    // Impute passes on what it was given, so one bundle edge carries train and validation on.
    expect(converted.edges.filter((e) => e.target === "encode")).toEqual([
      edge("impute", "splits", "encode", "splits"),
    ]);
    expect(compilePipeline(converted)).toEqual(compilePipeline(partial));
  });

  it("carries to a trainer only the members it takes", () => {
    const expanded = expandEdges(v1.nodes, [
      edge("split", "splits", "impute", "splits"),
      edge("impute", "splits", "gbdt", "splits"),
    ]).edges;
    expect(expanded.filter((e) => e.target === "gbdt").map((e) => e.targetPort)).toEqual([
      "train",
      "validation",
    ]);
  });

  it("refuses a bundle into a single dataset port, and names the splits to choose from", () => {
    const r = validatePipeline(
      doc([edge("raw", "dataset", "split", "input"), edge("split", "splits", "eval", "test")]),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const problem = r.errors.find((e) => e.code === "choose_split");
    expect(problem?.nodeId).toBe("eval");
    expect(problem?.message).toMatch(/connect one split of split \(train, validation, test\)/);
  });

  it("says a tune needs a validation split when the splits it gets have none", () => {
    const r = validatePipeline(
      doc([
        edge("raw", "dataset", "split", "input"),
        edge("split", "train", "impute", "train"),
        edge("impute", "splits", "tune", "splits"),
      ]),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContainEqual(
      expect.objectContaining({
        code: "missing_input",
        nodeId: "tune",
        port: "splits",
        message: 'Node "tune" needs a validation split on its splits input',
      }),
    );
  });

  it("refuses a splits edge into a model port as a kind mismatch", () => {
    const r = validatePipeline(doc([edge("split", "splits", "eval", "model")]));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.code)).toContain("port_kind_mismatch");
    expect(r.errors.map((e) => e.code)).not.toContain("choose_split");
  });
});
