import { and, desc, eq, exists, inArray, isNotNull, ne, not, notInArray } from "drizzle-orm";
import type {
  ApprovalDecision,
  CacheKeyParts,
  PreparedStep,
  PrepareStepInput,
  RunOutcome,
  StepOutputs,
} from "../../workflows/plan";
import type { ArtifactStore } from "../artifacts/store";
import { canonicalJson, sha256 } from "../compiler/canonical";
import type { Db } from "../db/client";
import type { BookkeepingActivities } from "../../workflows/activities";
import { artifacts, pipelines, runs, runSteps, type StepStatus } from "../db/schema";
import { liveWorkers, queueWaitReason } from "./queue-workers";
import { announcePendingApproval } from "../services/approval-notice";

const terminal: StepStatus[] = [
  "succeeded",
  "failed",
  "rejected",
  "cached",
  "skipped",
  "cancelled",
];

interface StoredParts extends CacheKeyParts {
  inputs: Record<string, string>;
}

export function cacheKey(parts: StoredParts): string {
  const { params: _params, ...hashed } = parts;
  return sha256(canonicalJson(hashed));
}

/** Which part of the key changed since the last run of this node, in words. */
export function explainMiss(now: StoredParts, before: StoredParts | null): string {
  if (!before) return "first run of this node";
  const changes: string[] = [];
  if (before.nodeType !== now.nodeType)
    changes.push(`node type ${before.nodeType} → ${now.nodeType}`);
  if (before.nodeVersion !== now.nodeVersion)
    changes.push(`node version ${before.nodeVersion} → ${now.nodeVersion}`);
  if (before.paramsHash !== now.paramsHash) {
    const keys = [
      ...new Set([...Object.keys(before.params ?? {}), ...Object.keys(now.params)]),
    ].sort();
    const changed = keys.filter(
      (k) => canonicalJson(before.params?.[k]) !== canonicalJson(now.params[k]),
    );
    changes.push(`params changed (${changed.join(", ") || "values"})`);
  }
  if (before.codeHash !== now.codeHash) changes.push("code changed");
  const ports = [...new Set([...Object.keys(before.inputs), ...Object.keys(now.inputs)])].sort();
  const inputs = ports.filter((p) => before.inputs[p] !== now.inputs[p]);
  if (inputs.length) changes.push(`input ${inputs.join(", ")} changed`);
  return changes.length ? changes.join("; ") : "the last run with this key did not succeed";
}

/**
 * Status writes the interpreter makes as local activities. Each is an idempotent UPDATE keyed by
 * run id (and step id), so a retry after a crash writes the same row to the same state.
 */
export function createBookkeepingActivities(db: Db, store: ArtifactStore): BookkeepingActivities {
  async function artifactsPresent(outputs: StepOutputs): Promise<boolean> {
    const hashes = Object.values(outputs).map((o) => o.hash);
    if (hashes.length === 0) return true;
    const rows = await db
      .select({ hash: artifacts.hash })
      .from(artifacts)
      .where(inArray(artifacts.hash, hashes));
    if (rows.length !== new Set(hashes).size) return false;
    return (await Promise.all(hashes.map((h) => store.has(h)))).every(Boolean);
  }

  /**
   * A live run reads "awaiting approval" while any of its steps waits for a decision, and
   * "running" again once none does (other branches may run meanwhile). Idempotent.
   */
  async function syncApprovalState(runId: string): Promise<void> {
    const waiting = exists(
      db
        .select({ one: runSteps.stepId })
        .from(runSteps)
        .where(and(eq(runSteps.runId, runId), eq(runSteps.status, "awaiting_approval"))),
    );
    await db
      .update(runs)
      .set({ status: "awaiting_approval" })
      .where(and(eq(runs.id, runId), eq(runs.status, "running"), waiting));
    await db
      .update(runs)
      .set({ status: "running" })
      .where(and(eq(runs.id, runId), eq(runs.status, "awaiting_approval"), not(waiting)));
  }

  return {
    /** Idempotent: keeps the first startedAt; a finished run is never set back to running. */
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

    /**
     * For each step of a ready wave: compute its cache key, reuse the outputs of an earlier
     * successful step with the same key (when allowed and its artifacts still exist), or mark it
     * queued with the reason it must execute. Idempotent: only UPDATEs of this run's step rows; a
     * retry computes the same keys and never moves a finished step back to queued.
     */
    async prepareSteps(input: {
      runId: string;
      steps: PrepareStepInput[];
    }): Promise<PreparedStep[]> {
      const [run] = await db
        .select({ pipelineId: runs.pipelineId, workspaceId: pipelines.workspaceId })
        .from(runs)
        .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
        .where(eq(runs.id, input.runId));
      if (!run) throw new Error(`Run ${input.runId} does not exist`);
      const result: PreparedStep[] = [];
      const now = new Date();
      for (const step of input.steps) {
        const parts: StoredParts = { ...step.parts, inputs: step.inputs };
        const key = cacheKey(parts);
        const where = and(eq(runSteps.runId, input.runId), eq(runSteps.stepId, step.stepId));
        if (step.useCache) {
          const [hit] = await db
            .select({ runId: runSteps.runId, stepId: runSteps.stepId, outputs: runSteps.outputs })
            .from(runSteps)
            .innerJoin(runs, eq(runs.id, runSteps.runId))
            .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
            // Only executions count as sources, so a reason always names the run that produced the
            // outputs; and only the workspace's own, so nothing of another team shows through.
            .where(
              and(
                eq(pipelines.workspaceId, run.workspaceId),
                eq(runSteps.cacheKey, key),
                eq(runSteps.status, "succeeded"),
                isNotNull(runSteps.outputs),
                ne(runSteps.runId, input.runId),
              ),
            )
            .orderBy(desc(runSteps.finishedAt))
            .limit(1);
          const outputs = hit?.outputs as StepOutputs | undefined;
          if (hit && outputs && (await artifactsPresent(outputs))) {
            await db
              .update(runSteps)
              .set({
                status: "cached",
                cacheHit: true,
                cacheKey: key,
                cacheKeyParts: parts,
                cacheReason: `reused the outputs of run ${hit.runId} step ${hit.stepId}`,
                outputs,
                queuedAt: now,
                startedAt: now,
                finishedAt: now,
              })
              .where(where);
            result.push({ stepId: step.stepId, status: "cached", outputs });
            continue;
          }
        }
        let reason = step.reason;
        if (!reason) {
          const [previous] = await db
            .select({ parts: runSteps.cacheKeyParts })
            .from(runSteps)
            .innerJoin(runs, eq(runs.id, runSteps.runId))
            .where(
              and(
                eq(runs.pipelineId, run.pipelineId),
                eq(runSteps.stepId, step.stepId),
                ne(runSteps.runId, input.runId),
                isNotNull(runSteps.cacheKeyParts),
              ),
            )
            .orderBy(desc(runs.createdAt))
            .limit(1);
          reason = explainMiss(parts, (previous?.parts as StoredParts | undefined) ?? null);
        }
        await db
          .update(runSteps)
          .set({
            status: "queued",
            cacheKey: key,
            cacheKeyParts: parts,
            cacheReason: reason,
            queuedAt: now,
          })
          .where(and(where, notInArray(runSteps.status, terminal)));
        result.push({ stepId: step.stepId, status: "queued" });
      }
      return result;
    },

    /** Idempotent: one UPDATE of the named steps that have not finished yet. */
    async markSteps(input: {
      runId: string;
      stepIds: string[];
      status: StepStatus;
    }): Promise<void> {
      const now = new Date();
      const changed = await db
        .update(runSteps)
        .set({
          status: input.status,
          ...(input.status === "queued" || input.status === "awaiting_approval"
            ? { queuedAt: now }
            : { finishedAt: now }),
        })
        .where(
          and(
            eq(runSteps.runId, input.runId),
            inArray(runSteps.stepId, input.stepIds),
            notInArray(runSteps.status, terminal),
            ne(runSteps.status, input.status),
          ),
        )
        .returning({ stepId: runSteps.stepId });
      if (input.status === "awaiting_approval") {
        await syncApprovalState(input.runId);
        // Only steps that began waiting now: a retried activity announces nothing twice.
        await announcePendingApproval(
          db,
          input.runId,
          changed.map((c) => c.stepId),
        );
      }
    },

    /** Idempotent: overwrites the step's one approval field (a retry only moves its timestamp). */
    async recordApproval(input: { runId: string } & ApprovalDecision): Promise<void> {
      await db
        .update(runSteps)
        .set({
          approval: {
            approved: input.approved,
            by: input.by,
            at: new Date().toISOString(),
            comment: input.comment,
          },
        })
        .where(and(eq(runSteps.runId, input.runId), eq(runSteps.stepId, input.stepId)));
      await syncApprovalState(input.runId);
    },

    /** Idempotent: sets the step's row to the same status and error. */
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
      if (input.status === "rejected") await syncApprovalState(input.runId);
    },

    /** Read-only: why no worker took a step from its queue in time, in words. */
    async explainQueueTimeout(input: { queue: string; waitedMs: number }): Promise<string> {
      const reason = queueWaitReason(input.queue, await liveWorkers(db));
      const waited =
        input.waitedMs >= 60_000
          ? `${Math.round(input.waitedMs / 60_000)} min`
          : `${Math.round(input.waitedMs / 1000)} s`;
      return `${reason ?? `Every worker that polls the ${input.queue} queue stayed busy`}. The step waited ${waited} for a worker (STEP_QUEUE_TIMEOUT) and gave up.`;
    },

    /** Idempotent: sets the run's row to the same status and error. */
    async markRunFinished(input: {
      runId: string;
      status: RunOutcome;
      error: string | null;
    }): Promise<void> {
      await db
        .update(runs)
        .set({ status: input.status, error: input.error, finishedAt: new Date() })
        .where(eq(runs.id, input.runId));
    },
  };
}
