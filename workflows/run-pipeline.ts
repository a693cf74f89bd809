import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  proxyLocalActivities,
  setHandler,
  TimeoutFailure,
} from "@temporalio/workflow";
import type { BookkeepingActivities } from "./activities";
import type {
  ApprovalDecision,
  PlanStep,
  PrepareStepInput,
  RunPipelineInput,
  RunSummary,
  StepActivityInput,
  StepSnapshot,
} from "./plan";
import { stepActivity } from "./step-activity";

export const runStatusQuery = defineQuery<Record<string, StepSnapshot>>("runStatus");
export const approveStepSignal = defineSignal<[ApprovalDecision]>("approveStep");

const book = proxyLocalActivities<BookkeepingActivities>({
  startToCloseTimeout: "30 seconds",
  retry: { maximumAttempts: 20, initialInterval: "200 ms", maximumInterval: "5 seconds" },
});

function isQueueTimeout(err: unknown): boolean {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  return e instanceof TimeoutFailure && e.timeoutType === "SCHEDULE_TO_START";
}

function describe(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/**
 * The generic interpreter: runs any plan, never names a node type. Every step whose inputs are
 * ready starts at once, on its own task queue; a step whose cache key matches an earlier
 * successful step reuses its outputs without executing; a failed step skips its descendants
 * while independent branches finish; steps that require approval wait for a signal.
 */
export async function runPipeline({ runId, plan, options }: RunPipelineInput): Promise<RunSummary> {
  const useCache = options?.cache ?? true;
  const force = new Set(options?.force ?? []);
  const state: Record<string, StepSnapshot> = {};
  for (const step of plan.steps) state[step.id] = { status: "pending" };
  const decisions = new Map<string, ApprovalDecision>();
  setHandler(runStatusQuery, () => state);
  setHandler(approveStepSignal, (d) => {
    if (!decisions.has(d.stepId)) decisions.set(d.stepId, d);
  });

  await book.markRunStarted({ runId });

  const running = new Map<string, Promise<void>>();
  let cancelled = false;

  const inputsOf = (step: PlanStep): StepActivityInput["inputs"] => {
    const inputs: StepActivityInput["inputs"] = {};
    for (const [port, ref] of Object.entries(step.inputs)) {
      const out = state[ref.step]?.outputs?.[ref.port];
      if (!out) throw ApplicationFailure.nonRetryable(`Missing output ${ref.step}.${ref.port}`);
      inputs[port] = out;
    }
    return inputs;
  };

  const prepareInput = (step: PlanStep): PrepareStepInput => ({
    stepId: step.id,
    parts: step.cacheKeyParts,
    inputs: Object.fromEntries(
      Object.entries(inputsOf(step)).map(([port, ref]) => [port, ref.hash]),
    ),
    useCache: useCache && step.cache && !force.has(step.id),
    reason: !useCache
      ? "cache turned off for this run"
      : !step.cache
        ? "this node never uses the cache"
        : force.has(step.id)
          ? "re-run requested"
          : null,
  });

  const execute = async (step: PlanStep): Promise<void> => {
    try {
      const outputs = await stepActivity(
        step,
        options?.queueTimeoutMs,
      )({
        runId,
        stepId: step.id,
        params: step.params,
        inputs: inputsOf(step),
      });
      state[step.id] = { status: "succeeded", outputs };
    } catch (err) {
      if (isCancellation(err)) {
        cancelled = true;
        state[step.id] = { status: "cancelled" };
      } else {
        const error =
          isQueueTimeout(err) && options?.queueTimeoutMs
            ? await book.explainQueueTimeout({
                queue: step.taskQueue,
                waitedMs: options.queueTimeoutMs,
              })
            : describe(err);
        state[step.id] = { status: "failed", error };
        await book.markStepFinished({ runId, stepId: step.id, status: "failed", error });
      }
    }
  };

  /** Cache lookup and "queued" for a wave of steps in one local activity. */
  const launch = async (steps: PlanStep[]): Promise<void> => {
    const prepared = await book.prepareSteps({ runId, steps: steps.map(prepareInput) });
    for (const p of prepared) {
      const step = steps.find((s) => s.id === p.stepId)!;
      if (p.status === "cached") {
        state[step.id] = { status: "cached", outputs: p.outputs };
      } else {
        state[step.id] = { status: "queued" };
        running.set(
          step.id,
          execute(step).finally(() => running.delete(step.id)),
        );
      }
    }
  };

  const awaitApproval = async (step: PlanStep): Promise<void> => {
    await condition(() => decisions.has(step.id));
    const d = decisions.get(step.id)!;
    if (d.approved) {
      await book.recordApproval({ runId, ...d });
      await launch([step]);
      // launch() registered the execution (if any) under this step's id; wait for it here.
      await running.get(step.id);
    } else {
      const error = `Rejected by ${d.by}${d.comment ? `: ${d.comment}` : ""}`;
      state[step.id] = { status: "rejected", error };
      await book.recordApproval({ runId, ...d });
      await book.markStepFinished({ runId, stepId: step.id, status: "rejected", error });
    }
  };

  try {
    for (;;) {
      const ready: PlanStep[] = [];
      const gated: PlanStep[] = [];
      const skipped: string[] = [];
      for (const step of plan.steps) {
        if (state[step.id]?.status !== "pending") continue;
        const deps = Object.values(step.inputs).map((r) => state[r.step]?.status);
        if (cancelled) skipped.push(step.id);
        else if (
          deps.some(
            (s) => s === "failed" || s === "rejected" || s === "skipped" || s === "cancelled",
          )
        )
          skipped.push(step.id);
        else if (deps.every((s) => s === "succeeded" || s === "cached"))
          (step.requiresApproval ? gated : ready).push(step);
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
      if (gated.length > 0) {
        for (const step of gated) state[step.id] = { status: "awaiting_approval" };
        await book.markSteps({
          runId,
          stepIds: gated.map((s) => s.id),
          status: "awaiting_approval",
        });
        for (const step of gated) {
          const gate = awaitApproval(step).finally(() => {
            if (running.get(`gate:${step.id}`) === gate) running.delete(`gate:${step.id}`);
          });
          running.set(`gate:${step.id}`, gate);
        }
      }
      if (ready.length > 0) {
        await launch(ready);
        // Cached steps may have made more steps ready at once.
        if (ready.some((s) => state[s.id]?.status === "cached")) continue;
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
      : statuses.some((s) => s === "rejected")
        ? "rejected"
        : "succeeded";
  const failedStep =
    Object.entries(state).find(([, s]) => s.status === "failed") ??
    Object.entries(state).find(([, s]) => s.status === "rejected");
  const error = failedStep
    ? `Step ${failedStep[0]} ${failedStep[1].status === "rejected" ? "was rejected" : "failed"}: ${failedStep[1].error ?? ""}`
    : null;

  // Recording the outcome must happen even when the workflow itself was cancelled.
  await CancellationScope.nonCancellable(async () => {
    const leftover = Object.entries(state)
      .filter(([, s]) =>
        ["pending", "awaiting_approval", "queued", "running", "cancelled"].includes(s.status),
      )
      .map(([id]) => id);
    for (const id of leftover) state[id] = { status: "cancelled" };
    if (leftover.length > 0)
      await book.markSteps({ runId, stepIds: leftover, status: "cancelled" });
    await book.markRunFinished({ runId, status, error });
  });
  return { runId, status, steps: state };
}
