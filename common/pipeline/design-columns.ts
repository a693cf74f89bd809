import { z } from "zod";
import { getNodeDefinition, shapeOf } from "../../nodes/index";
import type { ColumnInfo, NodeDefinition } from "../../nodes/types";
import type { ValidationError } from "./validate";
import { expandEdges } from "./bundles";

interface Graph {
  nodes: { id: string; type: string; params?: unknown }[];
  edges: { source: string; sourcePort: string; target: string; targetPort: string }[];
}

/** Columns a source knows without propagation: an ingest node's probe, or a node's last run. */
export type KnownColumns = (nodeId: string, port: string) => ColumnInfo[] | undefined;

/**
 * Each node's output columns before it runs: an ingest node's are known (probed from its file),
 * and every other node's follow from its inputs and params through its definition's
 * `outputColumns`; where a node cannot say (it depends on the data, or on code), the last run's
 * columns stand in, through `known`.
 */
export function designColumns(graph: Graph, known: KnownColumns) {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const memo = new Map<string, ColumnInfo[] | undefined>();
  const visiting = new Set<string>();
  const edges = expandEdges(graph.nodes, graph.edges).edges;
  const feeding = (nodeId: string, port: string) =>
    edges.find((e) => e.target === nodeId && e.targetPort === port);

  const columnsOf = (nodeId: string, port: string): ColumnInfo[] | undefined => {
    const key = `${nodeId}\u0000${port}`;
    if (memo.has(key)) return memo.get(key);
    if (visiting.has(key)) return undefined;
    visiting.add(key);
    const node = byId.get(nodeId);
    const def = node && getNodeDefinition(node.type);
    let out: ColumnInfo[] | undefined;
    // A code node's declared columns (`@output x: dataset(*, score: DOUBLE)`).
    const declared = node && shapeOf(node.type, node.params)?.outputs.find((p) => p.name === port);
    if (node && declared?.columns) {
      const firstInput = shapeOf(node.type, node.params)?.inputs.find((i) => i.kind === "dataset");
      const e = firstInput && feeding(node.id, firstInput.name);
      const upstream = e ? columnsOf(e.source, e.sourcePort) : undefined;
      const star = declared.columns.some((c) => c.name === "*");
      if (!star || upstream) {
        const own = declared.columns.filter((c) => c.name !== "*");
        out = declared.columns.flatMap((c) =>
          c.name === "*" ? upstream!.filter((u) => !own.some((o) => o.name === u.name)) : [c],
        );
      }
    } else if (node && def?.outputColumns && def.category !== "ingest") {
      const parsed = def.params.safeParse(node.params ?? {});
      if (parsed.success) {
        const inputs = Object.fromEntries(
          def.inputs.map((i) => {
            const e = feeding(node.id, i.name);
            return [i.name, e ? columnsOf(e.source, e.sourcePort) : undefined];
          }),
        );
        try {
          out = def.outputColumns(inputs, parsed.data)[port];
        } catch {
          out = undefined;
        }
      }
    }
    out ??= known(nodeId, port);
    visiting.delete(key);
    memo.set(key, out);
    return out;
  };

  /** The columns a node's dataset input sees: its first connected dataset port's. */
  const inputColumns = (nodeId: string): ColumnInfo[] | undefined => {
    const node = byId.get(nodeId);
    const ports = node && shapeOf(node.type, node.params)?.inputs;
    for (const input of ports ?? []) {
      if (input.kind !== "dataset") continue;
      const e = feeding(nodeId, input.name);
      if (e) return columnsOf(e.source, e.sourcePort);
    }
    return undefined;
  };

  return { columnsOf, inputColumns };
}

const widgetCache = new WeakMap<object, Record<string, { widget?: string; label?: string }>>();

/** The params a node's form shows as column pickers ("column" or "columns"), with their labels. */
export function columnParams(def: Pick<NodeDefinition, "params">) {
  let fields = widgetCache.get(def.params);
  if (!fields) {
    const json = z.toJSONSchema(def.params, { io: "input", unrepresentable: "any" }) as {
      properties?: Record<string, { widget?: string; label?: string }>;
    };
    fields = json.properties ?? {};
    widgetCache.set(def.params, fields);
  }
  return Object.entries(fields).filter(([, f]) => f.widget === "column" || f.widget === "columns");
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length]!;
}

/** The column a mistyped name most likely meant, if one is close. */
export function didYouMean(name: string, columns: string[]): string | undefined {
  const lower = name.toLowerCase();
  const exact = columns.find((c) => c.toLowerCase() === lower);
  if (exact) return exact;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of columns) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(name.length / 3))
    ? best
    : undefined;
}

/**
 * Column params that name a column their node's input will not have, flagged before running in
 * the form's words, with the closest column when one is near. Only where the input's columns are
 * known (probed, declared or from the last run).
 */
export function columnErrors(graph: Graph, known: KnownColumns): ValidationError[] {
  const { inputColumns } = designColumns(graph, known);
  const errors: ValidationError[] = [];
  for (const node of graph.nodes) {
    const def = getNodeDefinition(node.type);
    if (!def || def.category === "ingest") continue;
    const fields = columnParams(def);
    if (!fields.length) continue;
    const columns = inputColumns(node.id)?.map((c) => c.name);
    if (!columns) continue;
    const have = new Set(columns);
    const params = (node.params ?? {}) as Record<string, unknown>;
    for (const [key, field] of fields) {
      const value = params[key];
      const names = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
      for (const name of names) {
        if (typeof name !== "string" || name === "" || have.has(name)) continue;
        const near = didYouMean(name, columns);
        errors.push({
          nodeId: node.id,
          param: key,
          code: "unknown_column",
          message: `Node "${node.id}" — ${field.label ?? key}: the input has no column "${name}"${near ? `; did you mean "${near}"?` : ""}`,
        });
      }
    }
  }
  return errors;
}
