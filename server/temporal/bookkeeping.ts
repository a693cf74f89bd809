import { and, eq, inArray, notInArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { runs, runSteps, type StepStatus } from "../db/schema";

const terminal: StepStatus[] = ["succeeded", "failed", "cached", "skipped", "cancelled"];

/**
 * Status writes the interpreter makes as local activities. Each is an idempotent UPDATE keyed by
 * run id (and step id), so a retry after a crash writes the same row to the same state.
 */
export function createBookkeepingActivities(db: Db) {
  return {
    async markRunStarted({ runId }: { runId: string }): Promise<void> {
      const [run] = await db
        .select({ startedAt: runs.startedAt })
        .from(runs)
        .where(eq(runs.id, runId));
      if (!run) throw new Error(`Run ${runId} does not exist`);
      await db
        .update(runs)
        .set({ status: "running", startedAt: run.startedAt ?? new Date() })
        .where(and(eq(runs.id, runId), inArray(runs.status, ["queued", "running"])));
    },

    async markSteps(input: {
      runId: string;
      stepIds: string[];
      status: StepStatus;
    }): Promise<void> {
      const now = new Date();
      await db
        .update(runSteps)
        .set({
          status: input.status,
          ...(input.status === "queued" ? { queuedAt: now } : { finishedAt: now }),
        })
        .where(
          and(
            eq(runSteps.runId, input.runId),
            inArray(runSteps.stepId, input.stepIds),
            notInArray(runSteps.status, terminal),
          ),
        );
    },

    async markStepFinished(input: {
      runId: string;
      stepId: string;
      status: StepStatus;
      error: string | null;
    }): Promise<void> {
      await db
        .update(runSteps)
        .set({ status: input.status, error: input.error, finishedAt: new Date() })
        .where(and(eq(runSteps.runId, input.runId), eq(runSteps.stepId, input.stepId)));
    },

    async markRunFinished(input: {
      runId: string;
      status: "succeeded" | "failed" | "cancelled";
      error: string | null;
    }): Promise<void> {
      await db
        .update(runs)
        .set({ status: input.status, error: input.error, finishedAt: new Date() })
        .where(eq(runs.id, input.runId));
    },
  };
}

export type BookkeepingActivities = ReturnType<typeof createBookkeepingActivities>;
