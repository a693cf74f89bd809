import { shapeOf } from "../../nodes/index";
import { expandEdges, type Edge } from "./bundles";
import { PIPELINE_API_VERSION, PIPELINE_API_VERSIONS } from "./schema";

/**
 * A pipeline document in the current format. Version 1 files drew the Split's train, validation
 * and test as three edges into every fitted step; version 2 draws them as one `splits` edge.
 * Three edges that carry exactly what one bundle edge would become that edge; any other edge
 * (one split into a dataset port, a partial set) stays as it was, so the converted file compiles
 * to the same plan. Anything that is not a version 1 pipeline is returned unchanged, for the
 * validator to judge.
 */
export function upgradePipeline(input: unknown): unknown {
  if (!input || typeof input !== "object" || Array.isArray(input)) return input;
  const doc = input as Record<string, unknown>;
  if (doc.apiVersion !== PIPELINE_API_VERSIONS[0]) return input;
  const { nodes, edges } = doc;
  const upgraded = { ...doc, apiVersion: PIPELINE_API_VERSION };
  if (!Array.isArray(nodes) || !Array.isArray(edges)) return upgraded;
  if (!nodes.every(isNodeLike) || !edges.every(isEdge)) return upgraded;
  return { ...upgraded, edges: bundleEdges(nodes, edges) };
}

/** Replaces each full set of member edges between two bundle ports with one bundle edge. */
function bundleEdges(nodes: NodeLike[], edges: Edge[]): Edge[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const portsOf = (id: string) => {
    const n = byId.get(id);
    return (n && shapeOf(n.type, n.params)) || undefined;
  };
  const groups = new Map<string, number[]>();
  edges.forEach((e, i) => {
    const out = portsOf(e.source)?.outputs.find((p) => p.name === e.sourcePort);
    const inp = portsOf(e.target)?.inputs.find((p) => p.name === e.targetPort);
    if (!out?.bundle || out.bundle !== inp?.bundle || e.sourcePort !== e.targetPort) return;
    const key = `${e.source}\u0000${out.bundle}\u0000${e.target}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const replaced = new Map<number, Edge | null>();
  for (const [key, indices] of groups) {
    const [source, bundle, target] = key.split("\u0000") as [string, string, string];
    const bundleEdge = { source, sourcePort: bundle, target, targetPort: bundle };
    // What the bundle edge would carry, with the other edges as they are.
    const others = edges.filter((_, i) => !indices.includes(i));
    const would = expandEdges(nodes, [...others, bundleEdge])
      .edges.filter((e) => e.source === source && e.target === target)
      .map((e) => e.targetPort)
      .sort();
    const has = indices.map((i) => edges[i]!.targetPort).sort();
    if (would.join() !== has.join()) continue;
    indices.forEach((i, n) => replaced.set(i, n === 0 ? bundleEdge : null));
  }
  return edges.flatMap((e, i) => {
    if (!replaced.has(i)) return [e];
    const r = replaced.get(i);
    return r ? [r] : [];
  });
}

interface NodeLike {
  id: string;
  type: string;
  params?: unknown;
}

function isNodeLike(n: unknown): n is NodeLike {
  return (
    !!n &&
    typeof n === "object" &&
    typeof (n as NodeLike).id === "string" &&
    typeof (n as NodeLike).type === "string"
  );
}

function isEdge(e: unknown): e is Edge {
  if (!e || typeof e !== "object") return false;
  const x = e as Record<string, unknown>;
  return ["source", "sourcePort", "target", "targetPort"].every((k) => typeof x[k] === "string");
}
