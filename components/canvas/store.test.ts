import { beforeEach, describe, expect, it } from "vitest";
import { connectionProblem, isPipelineNode } from "./document";
import { useEditor } from "./store";
import type { PipelineFile } from "@/common/pipeline/schema";

const doc = {
  apiVersion: "flowforge.dev/v2" as const,
  kind: "Pipeline" as const,
  name: "store test",
  description: "",
  nodes: [
    { id: "numbers", type: "internal.numbers", params: { count: 3 }, position: { x: 0, y: 0 } },
    { id: "sum", type: "internal.sum", params: {}, position: { x: 300, y: 0 } },
  ],
  edges: [],
};

const paramsOf = (id: string) => {
  const n = useEditor.getState().nodes.find((x) => x.id === id);
  return n && isPipelineNode(n) ? n.data.params : undefined;
};

describe("editor store", () => {
  beforeEach(() => useEditor.getState().load("p1", doc));

  it("validates as it edits, and undoes and redoes edits", () => {
    const s = () => useEditor.getState();
    expect(s().errors.map((e) => e.code)).toEqual(["missing_input"]);
    s().onConnect({
      source: "numbers",
      sourceHandle: "numbers",
      target: "sum",
      targetHandle: "numbers",
    });
    expect(s().edges).toHaveLength(1);
    expect(s().errors).toEqual([]);
    expect(s().isDirty()).toBe(true);
    s().updateNode("numbers", { params: { count: 0 } });
    expect(s().errorsByNode.numbers?.[0]?.code).toBe("invalid_param");
    s().undo();
    expect(paramsOf("numbers")).toEqual({ count: 3 });
    s().undo();
    expect(s().edges).toHaveLength(0);
    expect(s().isDirty()).toBe(false);
    s().redo();
    s().redo();
    expect(s().edges).toHaveLength(1);
    expect(paramsOf("numbers")).toEqual({ count: 0 });
  });

  it("makes a finished drag one undo step", () => {
    const s = () => useEditor.getState();
    for (const x of [10, 20, 30])
      s().onNodesChange([
        { type: "position", id: "numbers", position: { x, y: 0 }, dragging: true },
      ]);
    s().onNodesChange([
      { type: "position", id: "numbers", position: { x: 40, y: 0 }, dragging: false },
    ]);
    expect(s().past).toHaveLength(1);
    s().undo();
    expect(s().nodes.find((n) => n.id === "numbers")?.position).toEqual({ x: 0, y: 0 });
  });

  it("pastes copies with fresh ids and their inner edges", () => {
    const s = () => useEditor.getState();
    s().onConnect({
      source: "numbers",
      sourceHandle: "numbers",
      target: "sum",
      targetHandle: "numbers",
    });
    useEditor.setState({ nodes: s().nodes.map((n) => ({ ...n, selected: true })) });
    s().duplicateSelection();
    expect(
      s()
        .nodes.map((n) => n.id)
        .sort(),
    ).toEqual(["numbers", "numbers-2", "sum", "sum-2"]);
    expect(
      s()
        .edges.map((e) => `${e.source}->${e.target}`)
        .sort(),
    ).toEqual(["numbers-2->sum-2", "numbers->sum"]);
    expect(s().errors).toEqual([]);
  });

  it("refuses incompatible kinds, a fed input, self-loops and cycles, saying why", () => {
    const { nodes } = useEditor.getState();
    const edges = [
      {
        id: "e",
        source: "numbers",
        sourceHandle: "numbers",
        target: "sum",
        targetHandle: "numbers",
      },
    ];
    expect(
      connectionProblem(
        { source: "sum", sourceHandle: "summary", target: "numbers", targetHandle: "x" },
        nodes,
        [],
      ),
    ).toMatch(/output port to an input port/);
    expect(
      connectionProblem(
        { source: "numbers", sourceHandle: "numbers", target: "sum", targetHandle: "numbers" },
        nodes,
        edges,
      ),
    ).toMatch(/already has an input/);
    useEditor.getState().addNode("internal.sleep", { x: 0, y: 0 });
    useEditor.getState().addNode("internal.sleep", { x: 0, y: 0 });
    const s = useEditor.getState();
    expect(
      connectionProblem(
        { source: "sum", sourceHandle: "summary", target: "sleep", targetHandle: "in" },
        s.nodes,
        [],
      ),
    ).toMatch(/Incompatible ports/);
    const chain = [
      { id: "c", source: "sleep", sourceHandle: "out", target: "sleep-2", targetHandle: "in" },
    ];
    expect(
      connectionProblem(
        { source: "sleep-2", sourceHandle: "out", target: "sleep", targetHandle: "in" },
        s.nodes,
        chain,
      ),
    ).toMatch(/cycle/);
    expect(
      connectionProblem(
        { source: "sleep", sourceHandle: "out", target: "sleep", targetHandle: "in" },
        s.nodes,
        [],
      ),
    ).toMatch(/itself/);
  });
});

const ml = {
  apiVersion: "flowforge.dev/v1" as const,
  kind: "Pipeline" as const,
  name: "ml",
  description: "",
  nodes: [
    { id: "raw", type: "ingest.sample", params: { dataset: "penguins" }, position: { x: 0, y: 0 } },
    { id: "split", type: "prep.split", params: { label: "species" }, position: { x: 250, y: 0 } },
    { id: "impute", type: "prep.impute", params: {}, position: { x: 500, y: 0 } },
    { id: "gbdt", type: "train.gbdt", params: {}, position: { x: 750, y: 0 } },
    { id: "eval", type: "evaluate.model", params: {}, position: { x: 1000, y: 0 } },
  ],
  edges: [
    { source: "raw", sourcePort: "dataset", target: "split", targetPort: "input" },
    ...["train", "validation", "test"].map((p) => ({
      source: "split",
      sourcePort: p,
      target: "impute",
      targetPort: p,
    })),
  ],
};

describe("one edge for the splits, notes and groups", () => {
  // A version 1 file, as an older export or a version saved before the format changed.
  beforeEach(() => useEditor.getState().load("p2", ml as unknown as PipelineFile));

  it("opens a version 1 file with one splits edge, and connects splits by their one handle", () => {
    const s = () => useEditor.getState();
    expect(s().edges.map((e) => [e.sourceHandle, e.targetHandle])).toEqual([
      ["dataset", "input"],
      ["splits", "splits"],
    ]);
    s().onConnect({
      source: "impute",
      sourceHandle: "splits",
      target: "gbdt",
      targetHandle: "splits",
    });
    s().onConnect({ source: "gbdt", sourceHandle: "model", target: "eval", targetHandle: "model" });
    // The splits handle into Evaluate's one dataset port carries the test split, by its name.
    s().onConnect({
      source: "split",
      sourceHandle: "splits",
      target: "eval",
      targetHandle: "test",
    });
    expect(s().errors).toEqual([]);
    const doc = s().document();
    expect(doc.apiVersion).toBe("flowforge.dev/v2");
    expect(doc.edges.slice(-3)).toEqual([
      { source: "impute", sourcePort: "splits", target: "gbdt", targetPort: "splits" },
      { source: "gbdt", sourcePort: "model", target: "eval", targetPort: "model" },
      { source: "split", sourcePort: "test", target: "eval", targetPort: "test" },
    ]);
    const member = s().edges.find((e) => e.target === "eval" && e.targetHandle === "test")!;
    expect(member).toMatchObject({ type: "member", label: "test", sourceHandle: "splits" });
    // Evaluate on the validation split instead: the edge's label picks it.
    s().setEdgeMember(member.id, "validation");
    expect(s().document().edges.at(-1)).toEqual({
      source: "split",
      sourcePort: "validation",
      target: "eval",
      targetPort: "test",
    });
    s().undo();
    expect(s().document().edges.at(-1)?.sourcePort).toBe("test");
  });

  it("keeps notes and groups in the file, with the nodes of a group in it", () => {
    const s = () => useEditor.getState();
    const note = s().addNote({ x: 10, y: 300 });
    s().updateNote(note, { text: "**Why** this split: see [the docs](https://example.org)" });
    // A group around the selected nodes.
    s().onNodesChange(
      s().nodes.map((n) => ({
        type: "select" as const,
        id: n.id,
        selected: n.id === "split" || n.id === "impute",
      })),
    );
    const group = s().addGroup({ x: 0, y: 0 });
    s().updateGroup(group, { title: "Preparation" });
    const doc = s().document();
    expect(doc.notes).toEqual([
      {
        id: "note",
        text: "**Why** this split: see [the docs](https://example.org)",
        position: { x: 10, y: 300 },
        size: { width: 220, height: 120 },
      },
    ]);
    expect(doc.groups).toEqual([
      expect.objectContaining({ id: "group", title: "Preparation", position: { x: 210, y: -56 } }),
    ]);
    // Nodes keep their place on the canvas; the file says which group they are in.
    expect(doc.nodes.find((n) => n.id === "impute")).toMatchObject({
      group: "group",
      position: { x: 500, y: 0 },
    });
    expect(doc.nodes.find((n) => n.id === "raw")?.group).toBeUndefined();
    // Reloading the file gives the same document: nothing lost, positions unchanged.
    s().load("p2", doc);
    expect(s().document()).toEqual(doc);
    expect(s().nodes.find((n) => n.id === "impute")).toMatchObject({
      parentId: "group",
      position: { x: 290, y: 56 },
    });
    // Dragged out of the group, a node leaves it.
    s().onNodesChange([{ type: "position", id: "impute", position: { x: 900, y: 600 } }]);
    s().regroup(["impute"]);
    expect(
      s()
        .document()
        .nodes.find((n) => n.id === "impute"),
    ).toMatchObject({
      position: { x: 1110, y: 544 },
    });
    expect(
      s()
        .document()
        .nodes.find((n) => n.id === "impute")?.group,
    ).toBeUndefined();
    // Ungrouping (deleting the group) keeps its nodes where they are.
    s().ungroup([group]);
    expect(
      s()
        .document()
        .nodes.find((n) => n.id === "split"),
    ).toMatchObject({
      position: { x: 250, y: 0 },
    });
  });
});
