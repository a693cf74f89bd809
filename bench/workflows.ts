import type { PlanStep, StepOutputs } from "../workflows/plan";
import { stepActivity } from "../workflows/step-activity";

export { runPipeline } from "../workflows/index";

/**
 * The baseline: a hand-written workflow calling a chain's compiled steps one after another, each
 * output passed on, with no interpreter, cache or bookkeeping. What Temporal itself costs.
 */
export async function rawActivityChain(
  runId: string,
  steps: PlanStep[],
  queueTimeoutMs: number,
): Promise<void> {
  let outputs: StepOutputs = {};
  for (const step of steps) {
    outputs = await stepActivity(
      step,
      queueTimeoutMs,
    )({
      runId,
      stepId: step.id,
      params: step.params,
      inputs: outputs.out ? { in: outputs.out } : {},
    });
  }
}
