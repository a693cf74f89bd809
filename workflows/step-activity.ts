import {
  ActivityCancellationType,
  ApplicationFailure,
  proxyActivities,
} from "@temporalio/workflow";
import type { PlanStep, StepActivityInput, StepOutputs } from "./plan";

export type StepActivity = (input: StepActivityInput) => Promise<StepOutputs>;

/** A compiled step's activity, with the options its plan gives it. Workflow code only. */
export function stepActivity(step: PlanStep, queueTimeoutMs: number | undefined): StepActivity {
  const acts = proxyActivities<Record<string, StepActivity>>({
    taskQueue: step.taskQueue,
    startToCloseTimeout: step.startToCloseTimeoutMs,
    // Not retried by Temporal: a step nobody takes from its queue fails instead of waiting forever.
    ...(queueTimeoutMs ? { scheduleToStartTimeout: queueTimeoutMs } : {}),
    heartbeatTimeout: step.heartbeatTimeoutMs ?? undefined,
    // The step's own status write must not race the workflow's "cancelled".
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: step.retry.maximumAttempts,
      initialInterval: step.retry.initialIntervalMs,
      backoffCoefficient: step.retry.backoffCoefficient,
      maximumInterval: step.retry.maximumIntervalMs,
    },
  });
  const fn = acts[step.activity];
  if (!fn) throw ApplicationFailure.nonRetryable(`No activity named ${step.activity}`);
  return fn;
}
