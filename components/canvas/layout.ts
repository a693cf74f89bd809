import ELK from "elkjs/lib/elk.bundled.js";
import type { PipelineFlowEdge, PipelineFlowNode } from "./document";

const elk = new ELK();

/** Left-to-right layered layout (elkjs); returns new positions, leaving everything else as it is. */
export async function autoLayout(
  nodes: PipelineFlowNode[],
  edges: PipelineFlowEdge[],
): Promise<PipelineFlowNode[]> {
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
      width: n.measured?.width ?? 200,
      height: n.measured?.height ?? 90,
    })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  const pos = new Map(graph.children?.map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
  return nodes.map((n) => ({ ...n, position: pos.get(n.id) ?? n.position }));
}
