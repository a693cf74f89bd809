import { upgradePipeline } from "./convert";
import { canonicalJson } from "./canonical";
import type { PipelineEdge, PipelineFile, PipelineNode } from "./schema";

/** One changed parameter leaf; `from` / `to` is undefined where the key exists on one side only. */
export interface ParamChange {
  path: string;
  from: unknown;
  to: unknown;
}

export interface NodeChange {
  id: string;
  typeChanged?: { from: string; to: string };
  params: ParamChange[];
  codeChanged: boolean;
  runtimeChanged: boolean;
  labelChanged: boolean;
  cacheChanged: boolean;
}

export interface PipelineDiff {
  nodesAdded: { id: string; type: string }[];
  nodesRemoved: { id: string; type: string }[];
  /** Only nodes with at least one semantic change; a node that only moved on the canvas is not listed. */
  nodesChanged: NodeChange[];
  edgesAdded: PipelineEdge[];
  edgesRemoved: PipelineEdge[];
  metaChanged: { name?: { from: string; to: string }; description?: { from: string; to: string } };
  /** True when nothing above changed (positions are ignored). */
  identical: boolean;
}

/** The parameter that holds a code node's source; compared as a whole and reported as `codeChanged`. */
const CODE_PARAM = "code";

/**
 * Semantic diff between two versions of a pipeline. Node identity is the node id; canvas positions
 * are ignored; every output list is sorted, so the result does not depend on the order of nodes,
 * edges or object keys in either file. Parameters are compared as written (no catalog defaults are
 * filled in); `cache` absent and `cache: true` are the same, as are `runtime` absent and `{}`.
 */
export function diffPipelines(older: PipelineFile, newer: PipelineFile): PipelineDiff {
  // Two versions compare in the current format: a converted file differs only where it changed.
  const a = upgradePipeline(older) as PipelineFile;
  const b = upgradePipeline(newer) as PipelineFile;
  const before = byId(a.nodes);
  const after = byId(b.nodes);

  const nodesAdded = [...after.values()]
    .filter((n) => !before.has(n.id))
    .map((n) => ({ id: n.id, type: n.type }))
    .sort((x, y) => compare(x.id, y.id));
  const nodesRemoved = [...before.values()]
    .filter((n) => !after.has(n.id))
    .map((n) => ({ id: n.id, type: n.type }))
    .sort((x, y) => compare(x.id, y.id));

  const nodesChanged: NodeChange[] = [];
  for (const id of [...before.keys()].filter((k) => after.has(k)).sort(compare)) {
    const change = diffNode(before.get(id)!, after.get(id)!);
    if (change) nodesChanged.push(change);
  }

  const edgesAdded = edgeDifference(b.edges, a.edges);
  const edgesRemoved = edgeDifference(a.edges, b.edges);

  const metaChanged: PipelineDiff["metaChanged"] = {};
  if (a.name !== b.name) metaChanged.name = { from: a.name, to: b.name };
  const descA = a.description ?? "";
  const descB = b.description ?? "";
  if (descA !== descB) metaChanged.description = { from: descA, to: descB };

  const identical =
    nodesAdded.length === 0 &&
    nodesRemoved.length === 0 &&
    nodesChanged.length === 0 &&
    edgesAdded.length === 0 &&
    edgesRemoved.length === 0 &&
    metaChanged.name === undefined &&
    metaChanged.description === undefined;

  return {
    nodesAdded,
    nodesRemoved,
    nodesChanged,
    edgesAdded,
    edgesRemoved,
    metaChanged,
    identical,
  };
}

/** Readable multi-line text of a diff, one change a line; `"no changes"` when identical. */
export function formatDiff(d: PipelineDiff): string {
  if (d.identical) return "no changes";
  const lines: string[] = [];
  if (d.metaChanged.name)
    lines.push(`~ name: ${show(d.metaChanged.name.from)} -> ${show(d.metaChanged.name.to)}`);
  if (d.metaChanged.description) lines.push("~ description changed");
  for (const n of d.nodesRemoved) lines.push(`- node ${n.id} (${n.type})`);
  for (const n of d.nodesAdded) lines.push(`+ node ${n.id} (${n.type})`);
  for (const n of d.nodesChanged) {
    const at = `~ node ${n.id}:`;
    if (n.typeChanged) lines.push(`${at} type ${n.typeChanged.from} -> ${n.typeChanged.to}`);
    for (const p of n.params) lines.push(`${at} params.${p.path} ${show(p.from)} -> ${show(p.to)}`);
    if (n.codeChanged) lines.push(`${at} code changed`);
    if (n.runtimeChanged) lines.push(`${at} runtime changed`);
    if (n.labelChanged) lines.push(`${at} label changed`);
    if (n.cacheChanged) lines.push(`${at} cache changed`);
  }
  for (const e of d.edgesRemoved) lines.push(`- edge ${edgeText(e)}`);
  for (const e of d.edgesAdded) lines.push(`+ edge ${edgeText(e)}`);
  return lines.join("\n");
}

function diffNode(a: PipelineNode, b: PipelineNode): NodeChange | undefined {
  const paramsA = a.params ?? {};
  const paramsB = b.params ?? {};
  const codeA = paramsA[CODE_PARAM];
  const codeB = paramsB[CODE_PARAM];
  // A string `code` param is a code node's source: reported as one flag, never as a param leaf.
  const codeIsSource = typeof codeA === "string" || typeof codeB === "string";
  const params: ParamChange[] = [];
  diffValue(
    codeIsSource ? without(paramsA, CODE_PARAM) : paramsA,
    codeIsSource ? without(paramsB, CODE_PARAM) : paramsB,
    "",
    params,
  );
  const change: NodeChange = {
    id: a.id,
    params,
    codeChanged: codeIsSource && codeA !== codeB,
    runtimeChanged: canonicalJson(a.runtime ?? {}) !== canonicalJson(b.runtime ?? {}),
    labelChanged: a.label !== b.label,
    cacheChanged: (a.cache ?? true) !== (b.cache ?? true),
  };
  if (a.type !== b.type) change.typeChanged = { from: a.type, to: b.type };
  const changed =
    change.typeChanged !== undefined ||
    params.length > 0 ||
    change.codeChanged ||
    change.runtimeChanged ||
    change.labelChanged ||
    change.cacheChanged;
  return changed ? change : undefined;
}

/** Appends every differing leaf under `path`; objects by sorted key, arrays by index. */
function diffValue(a: unknown, b: unknown, path: string, out: ParamChange[]): void {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compare);
    for (const key of keys) {
      const inA = Object.hasOwn(a, key) && a[key] !== undefined;
      const inB = Object.hasOwn(b, key) && b[key] !== undefined;
      if (!inA && !inB) continue;
      diffValue(inA ? a[key] : undefined, inB ? b[key] : undefined, joinKey(path, key), out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      diffValue(
        i < a.length ? a[i] : undefined,
        i < b.length ? b[i] : undefined,
        `${path}[${i}]`,
        out,
      );
    }
    return;
  }
  if (a === undefined && b === undefined) return;
  if (a === undefined || b === undefined || canonicalJson(a) !== canonicalJson(b)) {
    out.push({ path, from: a, to: b });
  }
}

/** `a.b` for plain keys, `a["odd.key"]` for keys that would read ambiguously as a dotted path. */
function joinKey(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function edgeDifference(from: PipelineEdge[], minus: PipelineEdge[]): PipelineEdge[] {
  // Multiset difference, so a duplicated edge that loses one copy still shows.
  const remaining = new Map<string, number>();
  for (const e of minus) remaining.set(edgeKey(e), (remaining.get(edgeKey(e)) ?? 0) + 1);
  const result: PipelineEdge[] = [];
  for (const e of from) {
    const key = edgeKey(e);
    const left = remaining.get(key) ?? 0;
    if (left > 0) remaining.set(key, left - 1);
    else
      result.push({
        source: e.source,
        sourcePort: e.sourcePort,
        target: e.target,
        targetPort: e.targetPort,
      });
  }
  return result.sort(
    (x, y) =>
      compare(x.source, y.source) ||
      compare(x.sourcePort, y.sourcePort) ||
      compare(x.target, y.target) ||
      compare(x.targetPort, y.targetPort),
  );
}

function edgeKey(e: PipelineEdge): string {
  return JSON.stringify([e.source, e.sourcePort, e.target, e.targetPort]);
}

function edgeText(e: PipelineEdge): string {
  return `${e.source}.${e.sourcePort} -> ${e.target}.${e.targetPort}`;
}

/** The first node of each id wins (a valid file has unique ids). */
function byId(nodes: PipelineNode[]): Map<string, PipelineNode> {
  const map = new Map<string, PipelineNode>();
  for (const n of nodes) if (!map.has(n.id)) map.set(n.id, n);
  return map;
}

function without(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _omitted, ...rest } = obj;
  return rest;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Code-unit order: the same everywhere, unlike localeCompare. */
function compare(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

function show(v: unknown): string {
  return v === undefined ? "(unset)" : canonicalJson(v);
}
