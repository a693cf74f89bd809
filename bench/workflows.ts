import { ActivityCancellationType, proxyActivities } from "@temporalio/workflow";
import type { PlanStep, StepActivityInput, StepOutputs } from "../workflows/plan";

export { runPipeline } from "../workflows/index";

type StepActivity = (input: StepActivityInput) => Promise<StepOutputs>;

/**
 * A compiled step's activity with the options runPipeline gives it (its activityFor in
 * workflows/run-pipeline.ts, which is not exported: a workflow module exports workflows only).
 */
function activityOf(step: PlanStep, queueTimeoutMs: number): StepActivity {
  const { retry } = step;
  return proxyActivities<Record<string, StepActivity>>({
    taskQueue: step.taskQueue,
    startToCloseTimeout: step.startToCloseTimeoutMs,
    scheduleToStartTimeout: queueTimeoutMs,
    heartbeatTimeout: step.heartbeatTimeoutMs ?? undefined,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: retry.maximumAttempts,
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maximumIntervalMs,
    },
  })[step.activity]!;
}

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
    outputs = await activityOf(
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
