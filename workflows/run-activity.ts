import { proxyActivities } from "@temporalio/workflow";

/** One activity call, run as its own workflow so that a step can fan work out across workers. */
export interface ActivityCall {
  activity: string;
  input: unknown;
  taskQueue: string;
  startToCloseTimeoutMs: number;
  heartbeatTimeoutMs: number;
  maximumAttempts: number;
}

/**
 * Runs one named activity on a task queue and returns its result. Tune steps start one per trial
 * (their ids are keyed by run, step and trial, so a retried tune step finds its finished trials).
 * Like runPipeline, it never names a node or activity type.
 */
export async function runActivity(call: ActivityCall): Promise<unknown> {
  const activities = proxyActivities<Record<string, (input: unknown) => Promise<unknown>>>({
    taskQueue: call.taskQueue,
    startToCloseTimeout: call.startToCloseTimeoutMs,
    heartbeatTimeout: call.heartbeatTimeoutMs,
    retry: { maximumAttempts: call.maximumAttempts, initialInterval: 1000, backoffCoefficient: 2 },
  });
  const activity = activities[call.activity];
  if (!activity) throw new Error(`no activity named ${call.activity}`);
  return activity(call.input);
}
