import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from "@temporalio/workflow";
import type { BookkeepingActivities } from "../server/temporal/bookkeeping";
import type {
  PlanStep,
  RunPipelineInput,
  RunSummary,
  StepActivityInput,
  StepOutputs,
  StepSnapshot,
} from "./plan";

export const runStatusQuery = defineQuery<Record<string, StepSnapshot>>("runStatus");

const book = proxyLocalActivities<BookkeepingActivities>({
  startToCloseTimeout: "30 seconds",
  retry: { maximumAttempts: 20, initialInterval: "200 ms", maximumInterval: "5 seconds" },
});

type StepActivity = (input: StepActivityInput) => Promise<StepOutputs>;

function activityFor(step: PlanStep): StepActivity {
  const acts = proxyActivities<Record<string, StepActivity>>({
    taskQueue: step.taskQueue,
    startToCloseTimeout: step.startToCloseTimeoutMs,
    heartbeatTimeout: step.heartbeatTimeoutMs ?? undefined,
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

function describe(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/**
 * The generic interpreter: runs any plan, never names a node type. Every step whose inputs are
 * ready starts at once, on its own task queue; a failed step skips its descendants while
 * independent branches finish.
 */
export async function runPipeline({ runId, plan }: RunPipelineInput): Promise<RunSummary> {
  const state: Record<string, StepSnapshot> = {};
  for (const step of plan.steps) state[step.id] = { status: "pending" };
  setHandler(runStatusQuery, () => state);

  await book.markRunStarted({ runId });

  const running = new Map<string, Promise<void>>();
  let cancelled = false;

  const runStep = async (step: PlanStep): Promise<void> => {
    const inputs: StepActivityInput["inputs"] = {};
    for (const [port, ref] of Object.entries(step.inputs)) {
      const out = state[ref.step]?.outputs?.[ref.port];
      if (!out) throw ApplicationFailure.nonRetryable(`Missing output ${ref.step}.${ref.port}`);
      inputs[port] = out;
    }
    try {
      const outputs = await activityFor(step)({
        runId,
        stepId: step.id,
        params: step.params,
        inputs,
      });
      state[step.id] = { status: "succeeded", outputs };
    } catch (err) {
      if (isCancellation(err)) {
        cancelled = true;
        state[step.id] = { status: "cancelled" };
      } else {
        state[step.id] = { status: "failed", error: describe(err) };
        await book.markStepFinished({
          runId,
          stepId: step.id,
          status: "failed",
          error: describe(err),
        });
      }
    }
  };

  try {
    for (;;) {
      const ready: PlanStep[] = [];
      const skipped: string[] = [];
      for (const step of plan.steps) {
        if (state[step.id]?.status !== "pending") continue;
        const deps = Object.values(step.inputs).map((r) => state[r.step]?.status);
        if (cancelled) skipped.push(step.id);
        else if (deps.some((s) => s === "failed" || s === "skipped" || s === "cancelled"))
          skipped.push(step.id);
        else if (deps.every((s) => s === "succeeded" || s === "cached")) ready.push(step);
      }
      if (skipped.length > 0) {
        for (const id of skipped) state[id] = { status: cancelled ? "cancelled" : "skipped" };
        await book.markSteps({
          runId,
          stepIds: skipped,
          status: cancelled ? "cancelled" : "skipped",
        });
        continue;
      }
      if (ready.length > 0) {
        for (const step of ready) state[step.id] = { status: "queued" };
        await book.markSteps({ runId, stepIds: ready.map((s) => s.id), status: "queued" });
        for (const step of ready) {
          running.set(
            step.id,
            runStep(step).finally(() => running.delete(step.id)),
          );
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancelled = true;
  }

  const statuses = Object.values(state).map((s) => s.status);
  const status: RunSummary["status"] = cancelled
    ? "cancelled"
    : statuses.some((s) => s === "failed")
      ? "failed"
      : "succeeded";
  const failedStep = Object.entries(state).find(([, s]) => s.status === "failed");
  const error = failedStep ? `Step ${failedStep[0]} failed: ${failedStep[1].error ?? ""}` : null;

  // Recording the outcome must happen even when the workflow itself was cancelled.
  await CancellationScope.nonCancellable(async () => {
    const leftover = Object.entries(state)
      .filter(([, s]) => s.status === "pending" || s.status === "queued" || s.status === "running")
      .map(([id]) => id);
    if (leftover.length > 0)
      await book.markSteps({ runId, stepIds: leftover, status: "cancelled" });
    await book.markRunFinished({ runId, status, error });
  });
  return { runId, status, steps: state };
}
