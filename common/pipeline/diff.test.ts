import { describe, expect, it } from "vitest";
import { diffPipelines, formatDiff } from "./diff";
import type { PipelineEdge, PipelineFile, PipelineNode } from "./schema";

const node = (
  id: string,
  type: string,
  params: Record<string, unknown> = {},
  extra: Partial<PipelineNode> = {},
): PipelineNode => ({
  id,
  type,
  params,
  ...extra,
});
const edge = (
  source: string,
  sourcePort: string,
  target: string,
  targetPort: string,
): PipelineEdge => ({
  source,
  sourcePort,
  target,
  targetPort,
});
const pipeline = (
  nodes: PipelineNode[],
  edges: PipelineEdge[] = [],
  meta: Partial<PipelineFile> = {},
): PipelineFile => ({
  apiVersion: "flowforge.dev/v2",
  kind: "Pipeline",
  name: "p",
  description: "",
  nodes,
  edges,
  ...meta,
});

const base = pipeline(
  [
    node("numbers", "internal.numbers", { count: 100, seed: 42 }, { position: { x: 0, y: 0 } }),
    node("wait", "internal.sleep", { ms: 1500 }, { position: { x: 250, y: 0 } }),
    node("sum", "internal.sum", {}, { position: { x: 500, y: 0 } }),
  ],
  [edge("numbers", "numbers", "wait", "in"), edge("wait", "out", "sum", "numbers")],
);

describe("diffPipelines", () => {
  it("reports identical pipelines as identical", () => {
    const d = diffPipelines(base, structuredClone(base));
    expect(d).toEqual({
      nodesAdded: [],
      nodesRemoved: [],
      nodesChanged: [],
      edgesAdded: [],
      edgesRemoved: [],
      metaChanged: {},
      identical: true,
    });
    expect(formatDiff(d)).toBe("no changes");
  });

  it("ignores a node that only moved", () => {
    const moved = structuredClone(base);
    moved.nodes[1]!.position = { x: 999, y: -40 };
    delete moved.nodes[2]!.position;
    const d = diffPipelines(base, moved);
    expect(d.nodesChanged).toEqual([]);
    expect(d.identical).toBe(true);
  });

  it("reports added and removed nodes with their types", () => {
    const next = pipeline([
      base.nodes[0]!,
      base.nodes[2]!,
      node("train", "train.gbt", { depth: 3 }),
      node("alpha", "internal.sleep"),
    ]);
    const d = diffPipelines(base, next);
    expect(d.nodesAdded).toEqual([
      { id: "alpha", type: "internal.sleep" },
      { id: "train", type: "train.gbt" },
    ]);
    expect(d.nodesRemoved).toEqual([{ id: "wait", type: "internal.sleep" }]);
    expect(d.nodesChanged).toEqual([]);
    expect(d.identical).toBe(false);
    expect(formatDiff(d).split("\n")).toEqual(
      expect.arrayContaining([
        "- node wait (internal.sleep)",
        "+ node alpha (internal.sleep)",
        "+ node train (train.gbt)",
      ]),
    );
  });

  it("reports changed params, type, label, cache, runtime and code per node", () => {
    const a = pipeline([
      node("prep", "prep.scale", { threshold: 0.5, mode: "z", drop: true }),
      node("code", "code.python", { code: "print(1)", timeout: 5 }),
      node("x", "internal.sleep", { ms: 1 }, { label: "X", cache: true, runtime: { retries: 1 } }),
      node("y", "internal.sleep", {}, { cache: true, runtime: {} }),
    ]);
    const b = pipeline([
      node("prep", "prep.scale", { threshold: 0.7, mode: "z", extra: [1] }),
      node("code", "code.python", { code: "print(2)", timeout: 5 }),
      node(
        "x",
        "internal.numbers",
        { ms: 1 },
        { label: "Y", cache: false, runtime: { retries: 2 } },
      ),
      node("y", "internal.sleep"),
    ]);
    const d = diffPipelines(a, b);
    expect(d.nodesChanged).toEqual([
      {
        id: "code",
        params: [],
        codeChanged: true,
        runtimeChanged: false,
        labelChanged: false,
        cacheChanged: false,
      },
      {
        id: "prep",
        params: [
          { path: "drop", from: true, to: undefined },
          { path: "extra", from: undefined, to: [1] },
          { path: "threshold", from: 0.5, to: 0.7 },
        ],
        codeChanged: false,
        runtimeChanged: false,
        labelChanged: false,
        cacheChanged: false,
      },
      {
        id: "x",
        typeChanged: { from: "internal.sleep", to: "internal.numbers" },
        params: [],
        codeChanged: false,
        runtimeChanged: true,
        labelChanged: true,
        cacheChanged: true,
      },
    ]);
    const text = formatDiff(d).split("\n");
    expect(text).toContain("~ node prep: params.threshold 0.5 -> 0.7");
    expect(text).toContain("~ node prep: params.drop true -> (unset)");
    expect(text).toContain("~ node code: code changed");
    expect(text).toContain("~ node x: type internal.sleep -> internal.numbers");
  });

  it("never lists a string code param as a param, and flags no change for equal code", () => {
    const a = pipeline([node("c", "code.python", { code: "x = 1" })]);
    const b = pipeline([node("c", "code.python", { code: "x = 1" })]);
    expect(diffPipelines(a, b).identical).toBe(true);
    const c = pipeline([node("c", "code.python", {})]);
    const d = diffPipelines(a, c);
    expect(d.nodesChanged).toEqual([
      expect.objectContaining({ id: "c", codeChanged: true, params: [] }),
    ]);
  });

  it("reports nested param leaves with dotted paths and array indices", () => {
    const a = pipeline([
      node("n", "t", {
        model: { depth: 3, opts: { lr: 0.1, keep: "x" } },
        list: [1, 2, 3],
        rows: [{ a: 1 }, { a: 2 }],
        "odd.key": 1,
      }),
    ]);
    const b = pipeline([
      node("n", "t", {
        model: { depth: 3, opts: { lr: 0.2, keep: "x", added: null } },
        list: [1, 2, 4, 5],
        rows: [{ a: 1 }],
        "odd.key": 2,
      }),
    ]);
    const [change] = diffPipelines(a, b).nodesChanged;
    expect(change!.params).toEqual([
      { path: "list[2]", from: 3, to: 4 },
      { path: "list[3]", from: undefined, to: 5 },
      { path: "model.opts.added", from: undefined, to: null },
      { path: "model.opts.lr", from: 0.1, to: 0.2 },
      { path: '["odd.key"]', from: 1, to: 2 },
      { path: "rows[1]", from: { a: 2 }, to: undefined },
    ]);
  });

  it("treats a change of value kind as one leaf", () => {
    const a = pipeline([node("n", "t", { v: { a: 1 }, w: [1] })]);
    const b = pipeline([node("n", "t", { v: [1], w: "1" })]);
    expect(diffPipelines(a, b).nodesChanged[0]!.params).toEqual([
      { path: "v", from: { a: 1 }, to: [1] },
      { path: "w", from: [1], to: "1" },
    ]);
  });

  it("reports added and removed edges", () => {
    const next = pipeline(base.nodes, [
      edge("wait", "out", "sum", "numbers"),
      edge("numbers", "numbers", "sum", "numbers"),
      edge("a", "x", "b", "y"),
    ]);
    const d = diffPipelines(base, next);
    expect(d.edgesAdded).toEqual([
      edge("a", "x", "b", "y"),
      edge("numbers", "numbers", "sum", "numbers"),
    ]);
    expect(d.edgesRemoved).toEqual([edge("numbers", "numbers", "wait", "in")]);
    const text = formatDiff(d).split("\n");
    expect(text).toContain("+ edge numbers.numbers -> sum.numbers");
    expect(text).toContain("- edge numbers.numbers -> wait.in");
  });

  it("reports name and description changes", () => {
    const d = diffPipelines(base, { ...base, name: "q", description: "new" });
    expect(d.metaChanged).toEqual({
      name: { from: "p", to: "q" },
      description: { from: "", to: "new" },
    });
    expect(d.identical).toBe(false);
    expect(formatDiff(d)).toContain('~ name: "p" -> "q"');
  });

  it("gives the same result whatever the order of nodes, edges and keys", () => {
    const a = pipeline(
      [
        node("b", "t", { y: 1, x: { q: 1, p: 2 } }),
        node("a", "t"),
        node("gone2", "t"),
        node("gone1", "t"),
      ],
      [edge("b", "o", "a", "i"), edge("a", "o", "b", "i"), edge("a", "o", "a", "j")],
    );
    const b = pipeline(
      [
        node("z", "t"),
        node("b", "t", { y: 2, x: { q: 3, p: 4 } }),
        node("m", "t"),
        node("a", "t", { k: 1 }),
      ],
      [edge("z", "o", "m", "i"), edge("m", "o", "z", "i"), edge("a", "o", "m", "i")],
    );
    const shuffled = (p: PipelineFile): PipelineFile => ({
      ...p,
      nodes: [...p.nodes].reverse().map((n) => ({
        ...n,
        params: Object.fromEntries(Object.entries(n.params).reverse()),
      })),
      edges: [...p.edges].reverse(),
    });
    const d = diffPipelines(a, b);
    expect(diffPipelines(shuffled(a), shuffled(b))).toEqual(d);
    expect(formatDiff(diffPipelines(shuffled(a), shuffled(b)))).toBe(formatDiff(d));
    expect(d.nodesAdded.map((n) => n.id)).toEqual(["m", "z"]);
    expect(d.nodesRemoved.map((n) => n.id)).toEqual(["gone1", "gone2"]);
    expect(d.nodesChanged.map((n) => n.id)).toEqual(["a", "b"]);
    expect(d.nodesChanged[1]!.params.map((p) => p.path)).toEqual(["x.p", "x.q", "y"]);
    expect(d.edgesAdded).toEqual([
      edge("a", "o", "m", "i"),
      edge("m", "o", "z", "i"),
      edge("z", "o", "m", "i"),
    ]);
    expect(d.edgesRemoved).toEqual([
      edge("a", "o", "a", "j"),
      edge("a", "o", "b", "i"),
      edge("b", "o", "a", "i"),
    ]);
  });

  it("formats every kind of change, removals before additions", () => {
    const a = pipeline(
      [node("old", "x"), node("prep", "p", { threshold: 0.5 })],
      [edge("old", "o", "prep", "i")],
    );
    const b = pipeline(
      [node("prep", "p", { threshold: 0.7 }), node("train", "train.gbt")],
      [edge("prep", "out", "train", "in")],
    );
    expect(formatDiff(diffPipelines(a, b))).toBe(
      [
        "- node old (x)",
        "+ node train (train.gbt)",
        "~ node prep: params.threshold 0.5 -> 0.7",
        "- edge old.o -> prep.i",
        "+ edge prep.out -> train.in",
      ].join("\n"),
    );
  });
});
