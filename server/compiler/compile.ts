import { getNodeDefinition } from "../../nodes/index";
import { PLAN_VERSION, type Plan, type PlanStep } from "../../workflows/plan";
import type { PipelineFile } from "../pipeline/schema";
import { validatePipeline, type ValidationError } from "../pipeline/validate";
import { canonicalJson, sha256 } from "./canonical";

export class PipelineInvalidError extends Error {
  constructor(readonly errors: ValidationError[]) {
    super(`The pipeline is invalid:\n${errors.map((e) => `  - ${e.message}`).join("\n")}`);
    this.name = "PipelineInvalidError";
  }
}

/**
 * Graph to plan. Deterministic: steps are ordered topologically with ties broken by id, params
 * are resolved through each node's schema (defaults filled in), so the same graph always gives
 * the same bytes and the same hash.
 */
export function compilePipeline(input: unknown): { plan: Plan; hash: string } {
  const result = validatePipeline(input);
  if (!result.ok) throw new PipelineInvalidError(result.errors);
  const pipeline: PipelineFile = result.pipeline;

  const steps = new Map<string, PlanStep>();
  for (const node of pipeline.nodes) {
    const def = getNodeDefinition(node.type)!;
    const inputs: PlanStep["inputs"] = {};
    for (const e of pipeline.edges) {
      if (e.target === node.id) inputs[e.targetPort] = { step: e.source, port: e.sourcePort };
    }
    steps.set(node.id, {
      id: node.id,
      nodeType: def.type,
      nodeVersion: def.version,
      activity: def.type,
      params: def.params.parse(node.params) as Record<string, unknown>,
      inputs,
      taskQueue: def.runtime.gpu ? "gpu" : def.runtime.taskQueue,
      startToCloseTimeoutMs: node.runtime?.timeoutMs ?? def.runtime.timeoutMs,
      heartbeatTimeoutMs: def.runtime.heartbeatMs,
      retry: {
        maximumAttempts: (node.runtime?.retries ?? def.runtime.retries) + 1,
        initialIntervalMs: 1000,
        backoffCoefficient: 2,
        maximumIntervalMs: 30_000,
      },
    });
  }

  const ordered: PlanStep[] = [];
  const done = new Set<string>();
  const remaining = [...steps.keys()].sort();
  while (remaining.length) {
    const i = remaining.findIndex((id) =>
      Object.values(steps.get(id)!.inputs).every((ref) => done.has(ref.step)),
    );
    const [id] = remaining.splice(i, 1);
    done.add(id!);
    ordered.push(steps.get(id!)!);
  }

  const plan: Plan = { planVersion: PLAN_VERSION, pipelineName: pipeline.name, steps: ordered };
  return { plan, hash: sha256(canonicalJson(plan)) };
}
