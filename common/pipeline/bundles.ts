import { shapeOf } from "../../nodes/index";
import type { PortDefinition, PortKind } from "../../nodes/types";

/**
 * Ports that travel together: the Split's train, validation and test are one port on the canvas
 * and one edge in the file (`sourcePort: splits`), while each node's activity still reads and
 * writes its members by name. The compiler expands a bundle edge into one edge per member the
 * source carries and the target takes, so a file, its converted form and the plan agree.
 */
export const BUNDLES = {
  splits: { label: "Splits", members: ["train", "validation", "test"] },
} as const;
export type BundleName = keyof typeof BUNDLES;

export interface PortView {
  name: string;
  kind: PortKind | "splits";
  label: string;
  required: boolean;
  /** A bundle's members that this node declares, in order. */
  members?: string[];
}

export interface Edge {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

interface NodeLike {
  id: string;
  type: string;
  params?: unknown;
}

export const isBundle = (name: string): name is BundleName => Object.hasOwn(BUNDLES, name);

/** A node's ports as the canvas shows them: a bundle's members become one port, where the first was. */
export function portViews(ports: PortDefinition[]): PortView[] {
  const views: PortView[] = [];
  for (const port of ports) {
    if (!port.bundle) {
      views.push(port);
      continue;
    }
    const view = views.find((v) => v.name === port.bundle);
    if (view) {
      view.members!.push(port.name);
      view.required ||= port.required;
    } else {
      views.push({
        name: port.bundle,
        kind: port.bundle,
        label: BUNDLES[port.bundle].label,
        required: port.required,
        members: [port.name],
      });
    }
  }
  return views;
}

/** The port a name refers to on a node: a port of its own, or one of its bundles. */
export function findPort(ports: PortDefinition[], name: string): PortView | undefined {
  return portViews(ports).find((p) => p.name === name) ?? ports.find((p) => p.name === name);
}

/** The bundle port that shows a member port on the canvas (`train` → `splits`), or the port itself. */
export function handleOf(ports: PortDefinition[], name: string): string {
  return ports.find((p) => p.name === name)?.bundle ?? name;
}

export interface EdgeProblem {
  edge: Edge;
  nodeId: string;
  port: string;
  code: "choose_split" | "no_common_split";
  message: string;
}

/**
 * The edges as the steps see them: a bundle edge becomes one edge per member that its source
 * carries and its target takes. A node's output bundle carries what came into its input bundle
 * of the same name (a fitted step passes on the splits it was given), or every member when it has
 * no such input (the Split). Edges that name no bundle pass through unchanged.
 */
export function expandEdges(
  nodes: readonly NodeLike[],
  edges: readonly Edge[],
): { edges: Edge[]; problems: EdgeProblem[] } {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const ports = new Map<string, { inputs: PortDefinition[]; outputs: PortDefinition[] }>();
  const shape = (id: string) => {
    if (!ports.has(id)) {
      const node = byId.get(id);
      const s = node && shapeOf(node.type, node.params);
      ports.set(id, { inputs: s?.inputs ?? [], outputs: s?.outputs ?? [] });
    }
    return ports.get(id)!;
  };
  const incoming = new Map<string, Edge[]>();
  for (const e of edges) {
    const list = incoming.get(e.target);
    if (list) list.push(e);
    else incoming.set(e.target, [e]);
  }
  const carriedMemo = new Map<string, string[]>();
  const visiting = new Set<string>();

  const membersOf = (list: PortDefinition[], bundle: string) =>
    list.filter((p) => p.bundle === bundle).map((p) => p.name);

  /** The members a node's output bundle carries. */
  const carried = (nodeId: string, bundle: string): string[] => {
    const key = `${nodeId}\u0000${bundle}`;
    const memo = carriedMemo.get(key);
    if (memo) return memo;
    const out = membersOf(shape(nodeId).outputs, bundle);
    const takes = membersOf(shape(nodeId).inputs, bundle);
    if (takes.length === 0 || visiting.has(key)) return out;
    visiting.add(key);
    const fed = new Set<string>();
    for (const e of incoming.get(nodeId) ?? [])
      for (const x of expandOne(e).edges) if (takes.includes(x.targetPort)) fed.add(x.targetPort);
    visiting.delete(key);
    const result = out.filter((m) => fed.has(m));
    carriedMemo.set(key, result);
    return result;
  };

  const expandOne = (e: Edge): { edges: Edge[]; problem?: EdgeProblem } => {
    const fromBundle = isBundle(e.sourcePort) && byId.has(e.source);
    const toBundle = isBundle(e.targetPort) && byId.has(e.target);
    if (!fromBundle && !toBundle) return { edges: [e] };
    const source = shape(e.source);
    const target = shape(e.target);
    const sourceMembers = membersOf(source.outputs, e.sourcePort);
    const targetMembers = membersOf(target.inputs, e.targetPort);
    if (fromBundle && toBundle) {
      const from = carried(e.source, e.sourcePort);
      const members = targetMembers.filter((m) => from.includes(m));
      if (members.length === 0 && sourceMembers.length > 0 && targetMembers.length > 0)
        return {
          edges: [],
          problem: {
            edge: e,
            nodeId: e.target,
            port: e.targetPort,
            code: "no_common_split",
            message: `${e.source} passes on no split that ${e.target} takes (it carries ${from.join(", ") || "none"}; ${e.target} takes ${targetMembers.join(", ")})`,
          },
        };
      return { edges: members.map((m) => ({ ...e, sourcePort: m, targetPort: m })) };
    }
    // A bundle meets a single dataset port: the edge must say which member it carries.
    const [side, members] = fromBundle
      ? ([e.source, sourceMembers] as const)
      : ([e.target, targetMembers] as const);
    const single = fromBundle
      ? target.inputs.find((p) => p.name === e.targetPort)
      : source.outputs.find((p) => p.name === e.sourcePort);
    // No such bundle, or the other side is no dataset: the validator's port checks say it.
    if (members.length === 0 || single?.kind !== "dataset") return { edges: [e] };
    return {
      edges: [],
      problem: {
        edge: e,
        nodeId: e.target,
        port: e.targetPort,
        code: "choose_split",
        message: fromBundle
          ? `${e.target}.${e.targetPort} takes one dataset: connect one split of ${side} (${members.join(", ")}), not all of them`
          : `${e.target} takes splits: connect ${e.source}.${e.sourcePort} to one of them (${members.join(", ")})`,
      },
    };
  };

  const out: Edge[] = [];
  const problems: EdgeProblem[] = [];
  for (const e of edges) {
    const r = expandOne(e);
    out.push(...r.edges);
    if (r.problem) problems.push(r.problem);
  }
  return { edges: out, problems };
}
