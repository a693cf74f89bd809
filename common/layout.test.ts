import { describe, expect, it } from "vitest";
import { autoLayout, DEFAULT_NODE_SIZE, layoutPositions } from "./layout";

const edge = (source: string, target: string) => ({ source, target });

describe("pipeline layout", () => {
  it("lays steps out left to right in layers, every edge pointing right", async () => {
    const edges = [edge("a", "b"), edge("b", "d"), edge("a", "d"), edge("c", "d")];
    const pos = await layoutPositions(
      ["a", "b", "c", "d"].map((id) => ({ id })),
      edges,
    );
    const at = (id: string) => pos.get(id)!;
    for (const e of edges)
      expect(at(e.target).x - at(e.source).x).toBeGreaterThanOrEqual(DEFAULT_NODE_SIZE.width);
    // c feeds only d, so it shares b's layer, above or below it without overlapping.
    expect(at("c").x).toBe(at("b").x);
    expect(Math.abs(at("b").y - at("c").y)).toBeGreaterThanOrEqual(DEFAULT_NODE_SIZE.height);
  });

  it("places every node, edges between the same pair included", async () => {
    const pos = await layoutPositions(
      [{ id: "split" }, { id: "train" }, { id: "alone" }],
      [edge("split", "train"), edge("split", "train")],
    );
    expect([...pos.keys()].sort()).toEqual(["alone", "split", "train"]);
  });

  it("moves canvas nodes by their measured size and keeps everything else", async () => {
    const nodes = [
      { id: "a", position: { x: 500, y: 500 }, measured: { width: 400, height: 90 }, data: 1 },
      { id: "b", position: { x: 0, y: 0 }, data: 2 },
    ];
    const out = await autoLayout(nodes, [{ id: "a-b", source: "a", target: "b" }]);
    expect(out.map((n) => [n.id, n.data])).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    expect(out[1]!.position.x - out[0]!.position.x).toBeGreaterThanOrEqual(400);
    expect(nodes[0]!.position).toEqual({ x: 500, y: 500 });
  });
});
