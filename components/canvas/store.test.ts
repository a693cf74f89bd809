import { beforeEach, describe, expect, it } from "vitest";
import { connectionProblem } from "./document";
import { useEditor } from "./store";

const doc = {
  apiVersion: "flowforge.dev/v1" as const,
  kind: "Pipeline" as const,
  name: "store test",
  description: "",
  nodes: [
    { id: "numbers", type: "internal.numbers", params: { count: 3 }, position: { x: 0, y: 0 } },
    { id: "sum", type: "internal.sum", params: {}, position: { x: 300, y: 0 } },
  ],
  edges: [],
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
    expect(s().nodes.find((n) => n.id === "numbers")?.data.params).toEqual({ count: 3 });
    s().undo();
    expect(s().edges).toHaveLength(0);
    expect(s().isDirty()).toBe(false);
    s().redo();
    s().redo();
    expect(s().edges).toHaveLength(1);
    expect(s().nodes.find((n) => n.id === "numbers")?.data.params).toEqual({ count: 0 });
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
