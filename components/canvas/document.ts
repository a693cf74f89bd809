import type { Edge, Node } from "@xyflow/react";
import { getNodeDefinition, shapeOf } from "@/nodes/index";
import type { NodeDefinition, NodeShape, PortKind } from "@/nodes/types";
import {
  PIPELINE_API_VERSION,
  type PipelineEdge,
  type PipelineFile,
  type PipelineNode,
} from "@/common/pipeline/schema";

export interface PipelineNodeData extends Record<string, unknown> {
  nodeType: string;
  params: Record<string, unknown>;
  label?: string;
  cache?: boolean;
  runtime?: PipelineNode["runtime"];
}

/** The canvas has one node component; the node definition drives everything it shows. */
export type PipelineFlowNode = Node<PipelineNodeData, "pipeline">;
export type PipelineFlowEdge = Edge<{ kind?: PortKind }>;

export function edgeId(e: PipelineEdge): string {
  return `${e.source}.${e.sourcePort}->${e.target}.${e.targetPort}`;
}

export function toFlow(doc: PipelineFile): {
  nodes: PipelineFlowNode[];
  edges: PipelineFlowEdge[];
} {
  const nodes = doc.nodes.map((n, i): PipelineFlowNode => ({
    id: n.id,
    type: "pipeline",
    position: n.position ?? { x: (i % 6) * 260, y: Math.floor(i / 6) * 160 },
    data: {
      nodeType: n.type,
      params: n.params,
      label: n.label,
      cache: n.cache,
      runtime: n.runtime,
    },
  }));
  const edges = doc.edges.map((e): PipelineFlowEdge => {
    const source = doc.nodes.find((n) => n.id === e.source);
    return toFlowEdge(e, source && { nodeType: source.type, params: source.params });
  });
  return { nodes, edges };
}

export function toFlowEdge(
  e: PipelineEdge,
  source: Pick<PipelineNodeData, "nodeType" | "params"> | undefined,
): PipelineFlowEdge {
  const kind = source
    ? shapeOf(source.nodeType, source.params)?.outputs.find((p) => p.name === e.sourcePort)?.kind
    : undefined;
  return {
    id: edgeId(e),
    source: e.source,
    sourceHandle: e.sourcePort,
    target: e.target,
    targetHandle: e.targetPort,
    data: { kind },
    className: kind ? `edge-kind-${kind}` : undefined,
  };
}

export function toDocument(
  meta: { name: string; description: string },
  nodes: PipelineFlowNode[],
  edges: PipelineFlowEdge[],
): PipelineFile {
  return {
    apiVersion: PIPELINE_API_VERSION,
    kind: "Pipeline",
    name: meta.name,
    description: meta.description,
    nodes: nodes.map((n) => {
      const node: PipelineNode = {
        id: n.id,
        type: n.data.nodeType,
        params: n.data.params,
        position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
      };
      if (n.data.label) node.label = n.data.label;
      if (n.data.cache === false) node.cache = false;
      if (n.data.runtime && Object.keys(n.data.runtime).length) node.runtime = n.data.runtime;
      return node;
    }),
    edges: edges.map((e) => ({
      source: e.source,
      sourcePort: e.sourceHandle ?? "",
      target: e.target,
      targetPort: e.targetHandle ?? "",
    })),
  };
}

/** A fresh id for a node of this type: `numbers`, `numbers-2`, … */
export function nextNodeId(type: string, taken: Set<string>): string {
  const base = (type.split(".").pop() ?? "node").replace(/[^A-Za-z0-9_-]/g, "-") || "node";
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

export function definitionOf(node: PipelineFlowNode): NodeDefinition | undefined {
  return getNodeDefinition(node.data.nodeType);
}

/** The node's ports as its params make them: a code node's come from its code. */
export function shapeOfNode(node: Pick<PipelineFlowNode, "data">): NodeShape | undefined {
  return shapeOf(node.data.nodeType, node.data.params);
}

/** Why a connection is refused, or null when it is fine. */
export function connectionProblem(
  c: {
    source: string | null;
    sourceHandle?: string | null;
    target: string | null;
    targetHandle?: string | null;
  },
  nodes: PipelineFlowNode[],
  edges: PipelineFlowEdge[],
): string | null {
  if (!c.source || !c.target || !c.sourceHandle || !c.targetHandle)
    return "Connect an output port to an input port";
  if (c.source === c.target) return "A node cannot feed itself";
  const source = nodes.find((n) => n.id === c.source);
  const target = nodes.find((n) => n.id === c.target);
  const out = source && shapeOfNode(source)?.outputs.find((p) => p.name === c.sourceHandle);
  const inp = target && shapeOfNode(target)?.inputs.find((p) => p.name === c.targetHandle);
  if (!out || !inp) return "Connect an output port to an input port";
  if (out.kind !== inp.kind)
    return `Incompatible ports: ${out.label} is a ${out.kind}, ${inp.label} expects a ${inp.kind}`;
  if (edges.some((e) => e.target === c.target && e.targetHandle === c.targetHandle))
    return `${inp.label} already has an input`;
  // A cycle: the target already reaches the source.
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const stack = [c.target];
  const seen = new Set<string>();
  while (stack.length) {
    const id = stack.pop()!;
    if (id === c.source) return "This connection would make a cycle";
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return null;
}
