import { getNodeDefinition, shapeOf } from "../../nodes/index";
import type { NodeShape } from "../../nodes/types";
import { describeError } from "./messages";

// The browser's forms word their fields' problems as the validator does.
export { describeIssues } from "./messages";
import { LIMITS, pipelineFileSchema, type PipelineFile } from "./schema";
import { expandEdges, findPort } from "./bundles";
import { upgradePipeline } from "./convert";

export interface ValidationError {
  nodeId?: string;
  port?: string;
  param?: string;
  code: string;
  message: string;
}

export type ValidationResult =
  { ok: true; pipeline: PipelineFile } | { ok: false; errors: ValidationError[] };

/**
 * Parses and checks a pipeline document, converted to the current format first. The one
 * implementation behind the UI, API and CLI.
 */
export function validatePipeline(original: unknown): ValidationResult {
  const tooLarge = checkSize(original);
  const input = upgradePipeline(original);
  if (tooLarge.length) return { ok: false, errors: tooLarge };
  const parsed = pipelineFileSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      errors: describeError(pipelineFileSchema, input, parsed.error, { labels: false }).map(
        (issue) => ({ code: "invalid_format", message: issue.message }),
      ),
    };
  }
  const pipeline = parsed.data;
  const errors: ValidationError[] = [];

  const seen = new Set<string>();
  for (const node of pipeline.nodes) {
    if (seen.has(node.id)) {
      errors.push({
        nodeId: node.id,
        code: "duplicate_id",
        message: `Node id "${node.id}" is used more than once`,
      });
    }
    seen.add(node.id);
    const def = getNodeDefinition(node.type);
    if (!def) {
      errors.push({
        nodeId: node.id,
        code: "unknown_type",
        message: `Node "${node.id}" has unknown type "${node.type}"`,
      });
      continue;
    }
    if (node.runtime?.gpu && !def.gpuCapable) {
      errors.push({
        nodeId: node.id,
        code: "gpu_not_supported",
        message: `Node "${node.id}" (${def.title}) cannot use a GPU; remove runtime.gpu`,
      });
    }
    const params = def.params.safeParse(node.params);
    if (!params.success) {
      for (const issue of describeError(def.params, node.params, params.error)) {
        errors.push({
          nodeId: node.id,
          param: issue.path,
          code: "invalid_param",
          message: `${nodeName(node.id)}${issue.message}`,
        });
      }
    }
    if (def.shape)
      errors.push(...declaredErrors(node.id, def.shape(node.params), node.params.params));
  }

  const groups = new Set((pipeline.groups ?? []).map((g) => g.id));
  for (const node of pipeline.nodes)
    if (node.group !== undefined && !groups.has(node.group))
      errors.push({
        nodeId: node.id,
        code: "unknown_group",
        message: `Node "${node.id}" is in group "${node.group}", which does not exist`,
      });

  const byId = new Map(pipeline.nodes.map((n) => [n.id, n]));
  for (const edge of pipeline.edges) {
    const source = byId.get(edge.source);
    const target = byId.get(edge.target);
    if (!source || !target) {
      const missing = source ? edge.target : edge.source;
      errors.push({
        nodeId: missing,
        code: "unknown_node",
        message: `An edge refers to node "${missing}", which does not exist`,
      });
      continue;
    }
    const sourcePorts = shapeOf(source.type, source.params)?.outputs;
    const targetPorts = shapeOf(target.type, target.params)?.inputs;
    const out = sourcePorts && findPort(sourcePorts, edge.sourcePort);
    const inp = targetPorts && findPort(targetPorts, edge.targetPort);
    if (getNodeDefinition(source.type) && !out) {
      errors.push({
        nodeId: source.id,
        port: edge.sourcePort,
        code: "unknown_port",
        message: `Node "${source.id}" has no output port "${edge.sourcePort}"`,
      });
    }
    if (getNodeDefinition(target.type) && !inp) {
      errors.push({
        nodeId: target.id,
        port: edge.targetPort,
        code: "unknown_port",
        message: `Node "${target.id}" has no input port "${edge.targetPort}"`,
      });
    }
    // A split of a bundle may feed a dataset port, and a dataset one split (bundles.ts says which).
    const kinds = new Set([out?.kind, inp?.kind]);
    const oneSplit = kinds.size === 2 && kinds.has("splits") && kinds.has("dataset");
    if (out && inp && out.kind !== inp.kind && !oneSplit) {
      errors.push({
        nodeId: target.id,
        port: edge.targetPort,
        code: "port_kind_mismatch",
        message: `Cannot connect ${source.id}.${edge.sourcePort} (${out.kind}) to ${target.id}.${edge.targetPort} (${inp.kind})`,
      });
    }
  }

  // Inputs, labels and cycles are judged on the edges the steps see: bundles expanded.
  const expanded = expandEdges(
    pipeline.nodes.filter((n) => getNodeDefinition(n.type)),
    pipeline.edges.filter((e) => byId.has(e.source) && byId.has(e.target)),
  );
  for (const p of expanded.problems)
    errors.push({ nodeId: p.nodeId, port: p.port, code: p.code, message: p.message });
  const edges = expanded.edges;
  const fed = new Map<string, number>();
  for (const edge of edges) {
    const target = byId.get(edge.target)!;
    const key = `${edge.target}\u0000${edge.targetPort}`;
    fed.set(key, (fed.get(key) ?? 0) + 1);
    if (fed.get(key) === 2) {
      errors.push({
        nodeId: target.id,
        port: edge.targetPort,
        code: "input_fed_twice",
        message: `Input ${target.id}.${edge.targetPort} has more than one incoming edge`,
      });
    }
  }

  for (const node of pipeline.nodes) {
    for (const port of shapeOf(node.type, node.params)?.inputs ?? []) {
      if (port.required && !fed.has(`${node.id}\u0000${port.name}`)) {
        errors.push({
          nodeId: node.id,
          port: port.bundle ?? port.name,
          code: "missing_input",
          message: port.bundle
            ? `Node "${node.id}" needs a ${port.name} split on its ${port.bundle} input`
            : `Node "${node.id}" needs an input on port "${port.name}"`,
        });
      }
    }
  }

  const graph = { nodes: pipeline.nodes, edges };
  errors.push(...labelErrors(graph));

  for (const nodeId of findCycle(graph)) {
    errors.push({ nodeId, code: "cycle", message: `Node "${nodeId}" is part of a cycle` });
  }

  return errors.length ? { ok: false, errors } : { ok: true, pipeline };
}

/**
 * A trainer (or tune) with no label of its own learns the Split's label (target), found back
 * through the fitted steps on its `train` input; with neither, it is flagged now, not at run time.
 */
function labelErrors(pipeline: Graph): ValidationError[] {
  const byId = new Map(pipeline.nodes.map((n) => [n.id, n]));
  const feeding = (nodeId: string, port: string) =>
    pipeline.edges.find((e) => e.target === nodeId && e.targetPort === port)?.source;
  const errors: ValidationError[] = [];
  for (const node of pipeline.nodes) {
    const def = getNodeDefinition(node.type);
    const params = (node.params ?? {}) as { label?: unknown };
    if (!def || (!def.trainer && node.type !== "tune.search")) continue;
    if (typeof params.label === "string" && params.label !== "") continue;
    let source = feeding(node.id, "train");
    if (!source) continue; // missing_input says it
    for (let hops = 0; hops < 100; hops++) {
      const up = byId.get(source);
      if (!up || getNodeDefinition(up.type)?.serving !== "fitted") break;
      const next = feeding(up.id, "train");
      if (!next) break;
      source = next;
    }
    const split = byId.get(source);
    const splitLabel =
      split?.type === "prep.split" ? (split.params as { label?: unknown }).label : "";
    if (typeof splitLabel === "string" && splitLabel !== "") continue;
    errors.push({
      nodeId: node.id,
      param: "label",
      code: "missing_label",
      message: `${nodeName(node.id)}Label column: choose the column to predict, here or as the Split's Label (target)`,
    });
  }
  return errors;
}

/** What a code node declares: its declarations' problems, and its param values against them. */
function declaredErrors(nodeId: string, shape: NodeShape, values: unknown): ValidationError[] {
  const errors: ValidationError[] = shape.errors.map((e) => ({
    nodeId,
    param: e.param,
    code: "invalid_declaration",
    message: `Node "${nodeId}" ${e.param}: ${e.message}`,
  }));
  if (!shape.params) return errors;
  const given =
    values && typeof values === "object" && !Array.isArray(values)
      ? (values as Record<string, unknown>)
      : {};
  const declared = new Set(Object.keys(shape.params.shape));
  for (const key of Object.keys(given).filter((k) => !declared.has(k)))
    errors.push({
      nodeId,
      param: `params.${key}`,
      code: "undeclared_param",
      message: `${nodeName(nodeId)}the code declares no param "${key}" (declare it with @param ${key}: … or remove the value)`,
    });
  const parsed = shape.params.safeParse(given);
  if (!parsed.success)
    for (const issue of describeError(shape.params, given, parsed.error)) {
      errors.push({
        nodeId,
        param: ["params", ...(issue.path ? [issue.path] : [])].join("."),
        code: "invalid_param",
        message: `${nodeName(nodeId)}${issue.message}`,
      });
    }
  return errors;
}

/** A param message starts with its node: `Node "train" — Trees: must be a whole number…`. */
function nodeName(nodeId: string): string {
  return `Node "${nodeId}" — `;
}

type Graph = Pick<PipelineFile, "nodes" | "edges">;

/** Kahn's algorithm; whatever cannot be ordered sits on or behind a cycle. */
function findCycle(pipeline: Graph): string[] {
  const indegree = new Map(pipeline.nodes.map((n) => [n.id, 0]));
  const next = new Map<string, string[]>();
  for (const e of pipeline.edges) {
    if (!indegree.has(e.source) || !indegree.has(e.target)) continue;
    indegree.set(e.target, (indegree.get(e.target) ?? 0) + 1);
    next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  }
  const queue = [...indegree].filter(([, d]) => d === 0).map(([id]) => id);
  while (queue.length) {
    const id = queue.pop()!;
    indegree.delete(id);
    for (const t of next.get(id) ?? []) {
      const d = (indegree.get(t) ?? 0) - 1;
      indegree.set(t, d);
      if (d === 0) queue.push(t);
    }
  }
  return [...indegree.keys()].sort();
}

/** Checked before parsing, so an oversized document costs no more than counting it. */
function checkSize(input: unknown): ValidationError[] {
  if (!input || typeof input !== "object") return [];
  const { nodes, edges } = input as { nodes?: unknown; edges?: unknown };
  const errors: ValidationError[] = [];
  if (Array.isArray(nodes) && nodes.length > LIMITS.nodes) {
    errors.push({
      code: "graph_too_large",
      message: `The pipeline has ${nodes.length} nodes; the limit is ${LIMITS.nodes}`,
    });
  }
  if (Array.isArray(edges) && edges.length > LIMITS.edges) {
    errors.push({
      code: "graph_too_large",
      message: `The pipeline has ${edges.length} edges; the limit is ${LIMITS.edges}`,
    });
  }
  if (Array.isArray(nodes)) {
    for (const node of nodes as { id?: unknown; params?: unknown }[]) {
      const size =
        node?.params === undefined
          ? 0
          : new TextEncoder().encode(JSON.stringify(node.params)).length;
      if (size > LIMITS.paramsBytes) {
        errors.push({
          nodeId: typeof node.id === "string" ? node.id : undefined,
          code: "graph_too_large",
          message: `Node "${String(node.id)}" has ${size} bytes of params; the limit is ${LIMITS.paramsBytes}`,
        });
      }
    }
  }
  return errors;
}
