import type { Edge, Node } from "@xyflow/react";
import { getNodeDefinition, shapeOf } from "@/nodes/index";
import type { NodeDefinition, NodeShape, PortKind } from "@/nodes/types";
import {
  PIPELINE_API_VERSION,
  type PipelineEdge,
  type PipelineFile,
  type PipelineGroup,
  type PipelineNode,
  type PipelineNote,
} from "@/common/pipeline/schema";
import { findPort, handleOf, portViews, type PortView } from "@/common/pipeline/bundles";
import { upgradePipeline } from "@/common/pipeline/convert";

export interface PipelineNodeData extends Record<string, unknown> {
  nodeType: string;
  params: Record<string, unknown>;
  label?: string;
  cache?: boolean;
  runtime?: PipelineNode["runtime"];
}

/** Pipeline nodes, drawn by one component that their definition drives. */
export type PipelineFlowNode = Node<PipelineNodeData, "pipeline">;
export type NoteFlowNode = Node<{ text: string; color?: PipelineNote["color"] }, "note">;
export type GroupFlowNode = Node<{ title: string; color?: PipelineGroup["color"] }, "group">;
/** Everything on the canvas: pipeline nodes, and the notes and groups that annotate them. */
export type CanvasNode = PipelineFlowNode | NoteFlowNode | GroupFlowNode;

/**
 * An edge joins two handles; a handle is a port or a bundle of ports (the splits). The ports the
 * file names are kept beside the handles: a member edge (the test split into Evaluate) joins the
 * bundle's handle and says which member it carries.
 */
export type PipelineFlowEdge = Edge<{
  kind?: PortKind | "splits";
  sourcePort: string;
  targetPort: string;
}>;

export const isPipelineNode = (n: CanvasNode): n is PipelineFlowNode => n.type === "pipeline";

export function edgeId(e: PipelineEdge): string {
  return `${e.source}.${e.sourcePort}->${e.target}.${e.targetPort}`;
}

export function toFlow(file: PipelineFile): {
  nodes: CanvasNode[];
  edges: PipelineFlowEdge[];
} {
  const doc = upgradePipeline(file) as PipelineFile;
  const groups = new Map((doc.groups ?? []).map((g) => [g.id, g]));
  // React Flow wants a parent before its children, and children positioned inside the parent.
  const frames = (doc.groups ?? []).map((g): GroupFlowNode => ({
    id: g.id,
    type: "group",
    position: g.position,
    style: { width: g.size.width, height: g.size.height },
    width: g.size.width,
    height: g.size.height,
    zIndex: -1,
    data: { title: g.title, color: g.color },
  }));
  const notes = (doc.notes ?? []).map((n): NoteFlowNode => ({
    id: n.id,
    type: "note",
    position: n.position,
    style: { width: n.size?.width ?? 220, height: n.size?.height ?? 120 },
    width: n.size?.width ?? 220,
    height: n.size?.height ?? 120,
    data: { text: n.text, color: n.color },
  }));
  const nodes = doc.nodes.map((n, i): PipelineFlowNode => {
    const absolute = n.position ?? { x: (i % 6) * 260, y: Math.floor(i / 6) * 160 };
    const group = n.group === undefined ? undefined : groups.get(n.group);
    return {
      id: n.id,
      type: "pipeline",
      position: group
        ? { x: absolute.x - group.position.x, y: absolute.y - group.position.y }
        : absolute,
      ...(group ? { parentId: group.id } : {}),
      data: {
        nodeType: n.type,
        params: n.params,
        label: n.label,
        cache: n.cache,
        runtime: n.runtime,
      },
    };
  });
  const edges = doc.edges.map((e): PipelineFlowEdge => {
    const source = doc.nodes.find((n) => n.id === e.source);
    const target = doc.nodes.find((n) => n.id === e.target);
    return toFlowEdge(e, source, target);
  });
  return { nodes: [...frames, ...notes, ...nodes], edges };
}

type Typed = Pick<PipelineNodeData, "nodeType" | "params"> | { type: string; params?: unknown };

function shapeOfTyped(n: Typed | undefined): NodeShape | undefined {
  if (!n) return undefined;
  return "nodeType" in n ? shapeOf(n.nodeType, n.params) : shapeOf(n.type, n.params);
}

export function toFlowEdge(
  e: PipelineEdge,
  source: Typed | undefined,
  target: Typed | undefined,
): PipelineFlowEdge {
  const outputs = shapeOfTyped(source)?.outputs ?? [];
  const inputs = shapeOfTyped(target)?.inputs ?? [];
  const kind = findPort(outputs, e.sourcePort)?.kind;
  const sourceHandle = handleOf(outputs, e.sourcePort);
  const targetHandle = handleOf(inputs, e.targetPort);
  // A member edge on a bundle's handle says which split it carries.
  const member =
    sourceHandle !== e.sourcePort
      ? e.sourcePort
      : targetHandle !== e.targetPort
        ? e.targetPort
        : null;
  return {
    id: edgeId(e),
    source: e.source,
    sourceHandle,
    target: e.target,
    targetHandle,
    ...(member ? { type: "member", label: member } : {}),
    data: { kind, sourcePort: e.sourcePort, targetPort: e.targetPort },
    className: kind ? `edge-kind-${kind}` : undefined,
  };
}

export function toDocument(
  meta: { name: string; description: string },
  all: CanvasNode[],
  edges: PipelineFlowEdge[],
): PipelineFile {
  const byId = new Map(all.map((n) => [n.id, n]));
  const absolute = (n: CanvasNode) => {
    const parent = n.parentId ? byId.get(n.parentId) : undefined;
    return {
      x: Math.round(n.position.x + (parent?.position.x ?? 0)),
      y: Math.round(n.position.y + (parent?.position.y ?? 0)),
    };
  };
  const size = (n: CanvasNode) => {
    const width = n.width ?? n.measured?.width;
    const height = n.height ?? n.measured?.height;
    return width && height ? { width: Math.round(width), height: Math.round(height) } : undefined;
  };
  const notes = all.flatMap((n): PipelineNote[] => {
    if (n.type !== "note") return [];
    const note: PipelineNote = { id: n.id, text: n.data.text, position: absolute(n) };
    const s = size(n);
    if (s) note.size = s;
    if (n.data.color) note.color = n.data.color;
    return [note];
  });
  const groups = all.flatMap((n): PipelineGroup[] => {
    if (n.type !== "group") return [];
    const group: PipelineGroup = {
      id: n.id,
      title: n.data.title,
      position: absolute(n),
      size: size(n) ?? { width: 400, height: 300 },
    };
    if (n.data.color) group.color = n.data.color;
    return [group];
  });
  const doc: PipelineFile = {
    apiVersion: PIPELINE_API_VERSION,
    kind: "Pipeline",
    name: meta.name,
    description: meta.description,
    nodes: all.filter(isPipelineNode).map((n) => {
      const node: PipelineNode = {
        id: n.id,
        type: n.data.nodeType,
        params: n.data.params,
        position: absolute(n),
      };
      if (n.data.label) node.label = n.data.label;
      if (n.parentId && byId.get(n.parentId)?.type === "group") node.group = n.parentId;
      if (n.data.cache === false) node.cache = false;
      if (n.data.runtime && Object.keys(n.data.runtime).length) node.runtime = n.data.runtime;
      return node;
    }),
    edges: edges.map((e) => ({
      source: e.source,
      sourcePort: e.data?.sourcePort ?? e.sourceHandle ?? "",
      target: e.target,
      targetPort: e.data?.targetPort ?? e.targetHandle ?? "",
    })),
  };
  if (notes.length) doc.notes = notes;
  if (groups.length) doc.groups = groups;
  return doc;
}

/**
 * The canvas after Layout: each pipeline node at its laid-out place (absolute), each group
 * around its nodes again, notes where they were.
 */
export function placeLaidOut(
  nodes: CanvasNode[],
  positions: Map<string, { x: number; y: number }>,
): CanvasNode[] {
  const pad = 30;
  const title = 36;
  const boxes = new Map<string, { x: number; y: number; right: number; bottom: number }>();
  for (const n of nodes) {
    const at = positions.get(n.id);
    if (!at || !n.parentId) continue;
    const b = boxes.get(n.parentId);
    const right = at.x + (n.measured?.width ?? 200);
    const bottom = at.y + (n.measured?.height ?? 90);
    boxes.set(
      n.parentId,
      b
        ? {
            x: Math.min(b.x, at.x),
            y: Math.min(b.y, at.y),
            right: Math.max(b.right, right),
            bottom: Math.max(b.bottom, bottom),
          }
        : { x: at.x, y: at.y, right, bottom },
    );
  }
  const groupAt = new Map<string, { x: number; y: number }>();
  const placed = nodes.map((n): CanvasNode => {
    const b = boxes.get(n.id);
    if (n.type !== "group" || !b) return n;
    const position = { x: b.x - pad, y: b.y - pad - title };
    groupAt.set(n.id, position);
    const width = b.right - b.x + 2 * pad;
    const height = b.bottom - b.y + 2 * pad + title;
    return { ...n, position, width, height, style: { ...n.style, width, height } };
  });
  return placed.map((n): CanvasNode => {
    const at = positions.get(n.id);
    if (!at) return n;
    const parent = n.parentId ? groupAt.get(n.parentId) : undefined;
    return { ...n, position: parent ? { x: at.x - parent.x, y: at.y - parent.y } : at };
  });
}

/** A fresh id for a node of this type: `numbers`, `numbers-2`, … */
export function nextNodeId(type: string, taken: Set<string>): string {
  const base = (type.split(".").pop() ?? "node").replace(/[^A-Za-z0-9_-]/g, "-") || "node";
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

export function definitionOf(node: CanvasNode): NodeDefinition | undefined {
  return isPipelineNode(node) ? getNodeDefinition(node.data.nodeType) : undefined;
}

/** The node's ports as its params make them: a code node's come from its code. */
export function shapeOfNode(node: Pick<PipelineFlowNode, "data">): NodeShape | undefined {
  return shapeOf(node.data.nodeType, node.data.params);
}

/** The node's handles: its ports, a bundle's members drawn as one. */
export function handlesOf(node: Pick<PipelineFlowNode, "data">): {
  inputs: PortView[];
  outputs: PortView[];
} {
  const shape = shapeOfNode(node);
  return { inputs: portViews(shape?.inputs ?? []), outputs: portViews(shape?.outputs ?? []) };
}

/**
 * The ports an edge between two handles names: bundle to bundle as is; a bundle to a single
 * dataset port carries one member, the one named like the port where there is one (Evaluate's
 * test), else the first (train).
 */
export function portsForConnection(
  out: PortView,
  inp: PortView,
): { sourcePort: string; targetPort: string } {
  if (out.members && !inp.members)
    return {
      sourcePort: out.members.includes(inp.name) ? inp.name : (out.members[0] ?? out.name),
      targetPort: inp.name,
    };
  if (inp.members && !out.members)
    return {
      sourcePort: out.name,
      targetPort: inp.members.includes(out.name) ? out.name : (inp.members[0] ?? inp.name),
    };
  return { sourcePort: out.name, targetPort: inp.name };
}

/** Why a connection is refused, or null when it is fine. */
export function connectionProblem(
  c: {
    source: string | null;
    sourceHandle?: string | null;
    target: string | null;
    targetHandle?: string | null;
  },
  nodes: CanvasNode[],
  edges: PipelineFlowEdge[],
): string | null {
  if (!c.source || !c.target || !c.sourceHandle || !c.targetHandle)
    return "Connect an output port to an input port";
  if (c.source === c.target) return "A node cannot feed itself";
  const source = nodes.find((n) => n.id === c.source);
  const target = nodes.find((n) => n.id === c.target);
  const out =
    source && isPipelineNode(source)
      ? handlesOf(source).outputs.find((p) => p.name === c.sourceHandle)
      : undefined;
  const inp =
    target && isPipelineNode(target)
      ? handlesOf(target).inputs.find((p) => p.name === c.targetHandle)
      : undefined;
  if (!out || !inp) return "Connect an output port to an input port";
  const kinds = new Set([out.kind, inp.kind]);
  const oneSplit = kinds.size === 2 && kinds.has("splits") && kinds.has("dataset");
  if (out.kind !== inp.kind && !oneSplit)
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
