import { getNodeDefinition } from "../../nodes/index";
import type { NodeDefinition } from "../../nodes/types";
import { PLAN_VERSION, type Plan, type PlanStep } from "../../workflows/plan";
import type { PipelineFile, PipelineNode } from "../../common/pipeline/schema";
import { validatePipeline } from "../../common/pipeline/validate";
import { expandEdges } from "../../common/pipeline/bundles";
import { PipelineInvalidError } from "../../lib/errors";
import { canonicalJson, sha256 } from "./canonical";

/** Every step heartbeats (the worker does it for the node), so a dead worker is noticed in this time. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;

function compileStep(
  node: PipelineNode,
  def: NodeDefinition,
  inputs: PlanStep["inputs"],
): PlanStep {
  const params = def.params.parse(node.params) as Record<string, unknown>;
  const code = typeof params.code === "string" ? params.code : null;
  return {
    id: node.id,
    nodeType: def.type,
    nodeVersion: def.version,
    activity: def.type,
    params,
    inputs,
    taskQueue: (node.runtime?.gpu ?? def.runtime.gpu) ? "gpu" : def.runtime.taskQueue,
    startToCloseTimeoutMs: node.runtime?.timeoutMs ?? def.runtime.timeoutMs,
    heartbeatTimeoutMs: def.runtime.heartbeatMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
    retry: {
      maximumAttempts: (node.runtime?.retries ?? def.runtime.retries) + 1,
      initialIntervalMs: 1000,
      backoffCoefficient: 2,
      maximumIntervalMs: 30_000,
    },
    cache: def.cacheable !== false && node.cache !== false,
    cacheKeyParts: {
      nodeType: def.type,
      nodeVersion: def.version,
      params,
      paramsHash: sha256(canonicalJson(params)),
      codeHash: code === null ? null : sha256(code),
    },
    requiresApproval: def.requiresApproval?.(params) ?? false,
  };
}

/**
 * Graph to plan. Deterministic: steps come in topological order with ties broken by id, params
 * are resolved through each node's schema (defaults filled in), so the same graph gives the same
 * bytes and the same hash whatever the order of its nodes and edges.
 */
export function compilePipeline(input: unknown): { plan: Plan; hash: string } {
  const result = validatePipeline(input);
  if (!result.ok) throw new PipelineInvalidError(result.errors);
  const pipeline: PipelineFile = result.pipeline;

  const inputsOf = new Map<string, PlanStep["inputs"]>(pipeline.nodes.map((n) => [n.id, {}]));
  const downstream = new Map<string, string[]>();
  const indegree = new Map<string, number>(pipeline.nodes.map((n) => [n.id, 0]));
  // Steps read their inputs by port: a bundle edge (the Split's one `splits` edge) is its members.
  for (const e of expandEdges(pipeline.nodes, pipeline.edges).edges) {
    inputsOf.get(e.target)![e.targetPort] = { step: e.source, port: e.sourcePort };
    downstream.set(e.source, [...(downstream.get(e.source) ?? []), e.target]);
    indegree.set(e.target, indegree.get(e.target)! + 1);
  }

  // Kahn's algorithm, always taking the smallest ready id: one canonical order per graph.
  const byId = new Map(pipeline.nodes.map((n) => [n.id, n]));
  const ready = [...indegree]
    .filter(([, d]) => d === 0)
    .map(([id]) => id)
    .sort(compareIds);
  const steps: PlanStep[] = [];
  while (ready.length) {
    const id = ready.shift()!;
    const node = byId.get(id)!;
    const sortedInputs = Object.fromEntries(
      Object.entries(inputsOf.get(id)!).sort(([a], [b]) => compareIds(a, b)),
    );
    steps.push(compileStep(node, getNodeDefinition(node.type)!, sortedInputs));
    for (const next of downstream.get(id) ?? []) {
      const d = indegree.get(next)! - 1;
      indegree.set(next, d);
      if (d === 0) insertSorted(ready, next);
    }
  }

  const plan: Plan = { planVersion: PLAN_VERSION, pipelineName: pipeline.name, steps };
  return { plan, hash: sha256(canonicalJson(plan)) };
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function insertSorted(list: string[], id: string): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareIds(list[mid]!, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, id);
}

/** A step and everything downstream of it: what "re-run from here" executes again. */
export function stepAndDescendants(plan: Plan, stepId: string): string[] {
  const found = new Set([stepId]);
  for (const step of plan.steps) {
    if (Object.values(step.inputs).some((ref) => found.has(ref.step))) found.add(step.id);
  }
  return plan.steps.map((s) => s.id).filter((id) => found.has(id));
}

/** The plan cut down to one step and what it needs: "run this node" on its upstream outputs. */
export function planUpTo(plan: Plan, stepId: string): Plan {
  const needed = new Set([stepId]);
  for (const step of [...plan.steps].reverse()) {
    if (!needed.has(step.id)) continue;
    for (const ref of Object.values(step.inputs)) needed.add(ref.step);
  }
  return { ...plan, steps: plan.steps.filter((s) => needed.has(s.id)) };
}
