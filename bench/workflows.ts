import { proxyActivities } from "@temporalio/workflow";
import type { StepActivityInput, StepOutputs } from "../workflows/plan";

export { runPipeline } from "../workflows/index";

/**
 * The baseline: a hand-written workflow calling the same no-op activity N times in a row, with the
 * same activity options the compiler gives an `internal.noop` step. What Temporal itself costs.
 */
const acts = proxyActivities<Record<string, (input: StepActivityInput) => Promise<StepOutputs>>>({
  taskQueue: "cpu",
  startToCloseTimeout: 60_000,
  heartbeatTimeout: 30_000,
  retry: {
    maximumAttempts: 4,
    initialInterval: 1000,
    backoffCoefficient: 2,
    maximumInterval: 30_000,
  },
});

export async function rawActivityChain(runId: string, n: number): Promise<void> {
  const noop = acts["internal.noop"]!;
  let outputs: StepOutputs = {};
  for (let i = 0; i < n; i++) {
    outputs = await noop({
      runId,
      stepId: `s${i}`,
      params: { tag: "" },
      inputs: outputs.out ? { in: outputs.out } : {},
    });
  }
}
