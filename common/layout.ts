import ELK from "elkjs/lib/elk.bundled.js";

/**
 * The one pipeline graph layout: elkjs's layered algorithm, left to right. The canvas's Layout
 * button and the run page's graph (server/services/run-graph.ts) both use it, so a run's graph
 * looks like its pipeline on the canvas. Pure: no React, no server code.
 */
const elk = new ELK();

export interface Position {
  x: number;
  y: number;
}

export interface LayoutNode {
  id: string;
  width?: number;
  height?: number;
}

export interface LayoutEdge {
  /** Defaults to the edge's index. */
  id?: string;
  source: string;
  target: string;
}

/** The size a node is laid out at when it has not been measured (on the server, always). */
export const DEFAULT_NODE_SIZE = { width: 200, height: 90 } as const;

/** Each node's top-left corner; nodes ELK leaves out are missing from the map. */
export async function layoutPositions(
  nodes: LayoutNode[],
  edges: LayoutEdge[],
): Promise<Map<string, Position>> {
  const graph = await elk.layout({
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.spacing.nodeNode": "40",
      "elk.layered.spacing.nodeNodeBetweenLayers": "70",
    },
    children: nodes.map((n) => ({
      id: n.id,
      width: n.width ?? DEFAULT_NODE_SIZE.width,
      height: n.height ?? DEFAULT_NODE_SIZE.height,
    })),
    edges: edges.map((e, i) => ({
      id: e.id ?? String(i),
      sources: [e.source],
      targets: [e.target],
    })),
  });
  return new Map(graph.children?.map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}

/** The canvas's Layout: nodes at their measured sizes get new positions, all else as it was. */
export async function autoLayout<
  N extends { id: string; position: Position; measured?: { width?: number; height?: number } },
>(nodes: N[], edges: LayoutEdge[]): Promise<N[]> {
  const pos = await layoutPositions(
    nodes.map((n) => ({ id: n.id, width: n.measured?.width, height: n.measured?.height })),
    edges,
  );
  return nodes.map((n) => ({ ...n, position: pos.get(n.id) ?? n.position }));
}
