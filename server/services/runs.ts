import { createHash } from "node:crypto";
import { WorkflowExecutionAlreadyStartedError } from "@temporalio/client";
import { and, asc, desc, eq, ilike, type SQL } from "drizzle-orm";
import { approveStepSignal } from "../../workflows/run-pipeline";
import type { Client } from "@temporalio/client";
import type {
  ApprovalDecision,
  Plan,
  RunOptions,
  RunPipelineInput,
  RunSummary,
} from "../../workflows/plan";
import { compilePipeline, planUpTo, stepAndDescendants } from "../compiler/compile";
import type { Db } from "../db/client";
import { pipelineVersions, pipelines, runs, runSteps, stepLogs, users } from "../db/schema";
import { env } from "../../lib/env";
import { WORKFLOW_TASK_QUEUE } from "../temporal/client";
import { liveWorkers, queueWaitReason } from "../temporal/queue-workers";
import { ConflictError, NotFoundError } from "../../lib/errors";

/**
 * Compiles a saved version, records the run and its steps, and starts the workflow. The run row
 * comes first so the UI can show it at once; the workflow id is derived from the run id, so a
 * retried start cannot create a second execution.
 */
export async function startRun(
  db: Db,
  temporal: Client,
  input: {
    pipelineVersionId: string;
    userId?: string | null;
    trigger?: string;
    cache?: boolean;
    force?: string[];
    resumedFromRunId?: string;
    /** Makes the start idempotent: the same key always names the same run (scheduled starts). */
    idempotencyKey?: string;
    /** Run only this step, on the (cached) outputs of the steps it needs. */
    only?: string;
    tags?: string[];
  },
) {
  if (input.idempotencyKey) {
    const id = uuidFromKey(input.idempotencyKey);
    const [existing] = await db.select().from(runs).where(eq(runs.id, id));
    if (existing) {
      // A crash between the row and the start leaves a run that no workflow picks up: a retry
      // starts it. Still queued means the workflow never ran markRunStarted; REJECT_DUPLICATE
      // (below) refuses an id that already ran, so a run never gets a second execution.
      if (existing.status === "queued")
        await startRunWorkflow(db, temporal, existing.id, existing.workflowId, {
          runId: existing.id,
          plan: existing.plan as Plan,
          options: {
            cache: existing.cacheEnabled,
            force: existing.forceSteps,
            queueTimeoutMs: queueTimeoutMs(),
          },
        });
      return { runId: existing.id, workflowId: existing.workflowId };
    }
  }
  const [version] = await db
    .select()
    .from(pipelineVersions)
    .where(eq(pipelineVersions.id, input.pipelineVersionId));
  if (!version)
    throw new NotFoundError(`Pipeline version ${input.pipelineVersionId} does not exist`);
  const compiled = compilePipeline(version.graph);
  if (input.only && !compiled.plan.steps.some((s) => s.id === input.only))
    throw new NotFoundError(`No step ${input.only} in this pipeline version`);
  const plan = input.only ? planUpTo(compiled.plan, input.only) : compiled.plan;
  const hash = compiled.hash;
  if (input.only) input = { ...input, force: [input.only], cache: true };
  const runId = input.idempotencyKey ? uuidFromKey(input.idempotencyKey) : crypto.randomUUID();
  const workflowId = `run-${runId}`;
  const stepIds = new Set(plan.steps.map((s) => s.id));
  const unknown = (input.force ?? []).filter((id) => !stepIds.has(id));
  if (unknown.length)
    throw new NotFoundError(`No step ${unknown.join(", ")} in this pipeline version`);
  const options: RunOptions = {
    cache: input.cache ?? true,
    force: input.force ?? [],
    queueTimeoutMs: queueTimeoutMs(),
  };

  await recordRun(db, {
    id: runId,
    pipelineId: version.pipelineId,
    pipelineVersionId: version.id,
    workflowId,
    planHash: hash,
    plan,
    triggeredBy: input.userId ?? null,
    trigger: input.trigger ?? "api",
    tags: input.tags ?? [],
    cacheEnabled: options.cache,
    forceSteps: options.force,
    resumedFromRunId: input.resumedFromRunId ?? null,
  });

  await startRunWorkflow(db, temporal, runId, workflowId, { runId, plan, options });
  return { runId, workflowId };
}

/** The run's row and a row per step of its plan, in one transaction; starts nothing. */
export async function recordRun(
  db: Db,
  run: typeof runs.$inferInsert & { id: string; plan: Plan },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(runs).values(run);
    if (run.plan.steps.length) {
      await tx.insert(runSteps).values(
        run.plan.steps.map((s) => ({
          runId: run.id,
          stepId: s.id,
          nodeType: s.nodeType,
          taskQueue: s.taskQueue,
        })),
      );
    }
  });
}

export const queueTimeoutMs = () => env().STEP_QUEUE_TIMEOUT_SECONDS * 1000;

/** Starts a recorded run's workflow once: an id that is running or already ran is left alone. */
async function startRunWorkflow(
  db: Db,
  temporal: Client,
  runId: string,
  workflowId: string,
  args: RunPipelineInput,
) {
  try {
    await temporal.workflow.start("runPipeline", {
      taskQueue: WORKFLOW_TASK_QUEUE,
      workflowId,
      workflowIdReusePolicy: "REJECT_DUPLICATE",
      args: [args],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      const message = err instanceof Error ? err.message : String(err);
      await db
        .update(runs)
        .set({
          status: "failed",
          error: `Could not start the workflow: ${message}`,
          finishedAt: new Date(),
        })
        .where(eq(runs.id, runId));
      throw err;
    }
  }
}

/**
 * "Retry from failed" (no step given) or "re-run from here" (a step: it and its descendants
 * execute again). Either way a new run of the same version, or of the pipeline's latest version
 * when it was edited, in which every other step reuses its earlier outputs through the cache.
 */
export async function resumeRun(
  db: Db,
  temporal: Client,
  input: { runId: string; fromStep?: string; latestVersion?: boolean; userId?: string | null },
) {
  const [previous] = await db.select().from(runs).where(eq(runs.id, input.runId));
  if (!previous) throw new NotFoundError(`Run ${input.runId} does not exist`);
  let versionId = previous.pipelineVersionId;
  if (input.latestVersion) {
    const [latest] = await db
      .select({ id: pipelineVersions.id })
      .from(pipelineVersions)
      .where(eq(pipelineVersions.pipelineId, previous.pipelineId))
      .orderBy(desc(pipelineVersions.version))
      .limit(1);
    versionId = latest!.id;
  }
  let force: string[] = [];
  if (input.fromStep) {
    const [version] = await db
      .select()
      .from(pipelineVersions)
      .where(eq(pipelineVersions.id, versionId));
    const { plan } = compilePipeline(version!.graph);
    if (!plan.steps.some((s) => s.id === input.fromStep)) {
      throw new NotFoundError(
        `No step ${input.fromStep} in version ${version!.version} of this pipeline`,
      );
    }
    force = stepAndDescendants(plan, input.fromStep);
  }
  return startRun(db, temporal, {
    pipelineVersionId: versionId,
    userId: input.userId,
    trigger: input.fromStep ? "rerun-from-step" : "retry",
    cache: true,
    force,
    resumedFromRunId: previous.id,
  });
}

export async function approveStep(
  db: Db,
  temporal: Client,
  input: { runId: string } & ApprovalDecision,
  /** Who may decide, judged once the step is known to wait (four eyes). */
  mayDecide: () => Promise<void> = async () => {},
) {
  const [step] = await db
    .select({ status: runSteps.status, workflowId: runs.workflowId })
    .from(runSteps)
    .innerJoin(runs, eq(runs.id, runSteps.runId))
    .where(and(eq(runSteps.runId, input.runId), eq(runSteps.stepId, input.stepId)));
  if (!step) throw new NotFoundError(`Run ${input.runId} has no step ${input.stepId}`);
  if (step.status !== "awaiting_approval") {
    throw new ConflictError(`Step ${input.stepId} is ${step.status}, not awaiting approval`);
  }
  await mayDecide();
  const { runId: _runId, ...decision } = input;
  await temporal.workflow.getHandle(step.workflowId).signal(approveStepSignal, decision);
}

/** Who started a run (null: a schedule, or someone since removed). */
export async function runStarter(db: Db, runId: string): Promise<string | null> {
  const [row] = await db
    .select({ triggeredBy: runs.triggeredBy })
    .from(runs)
    .where(eq(runs.id, runId));
  return row?.triggeredBy ?? null;
}

export async function waitForRun(temporal: Client, workflowId: string): Promise<RunSummary> {
  return (await temporal.workflow.getHandle(workflowId).result()) as RunSummary;
}

export async function cancelRun(db: Db, temporal: Client, runId: string) {
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  if (!run) throw new NotFoundError(`Run ${runId} does not exist`);
  await temporal.workflow.getHandle(run.workflowId).cancel();
}

export async function listRuns(
  db: Db,
  options: { limit?: number; pipelineId?: string; visible: SQL | undefined },
) {
  return db
    .select({
      id: runs.id,
      status: runs.status,
      pipelineId: runs.pipelineId,
      pipelineName: pipelines.name,
      version: pipelineVersions.version,
      trigger: runs.trigger,
      tags: runs.tags,
      workflowId: runs.workflowId,
      createdAt: runs.createdAt,
      startedAt: runs.startedAt,
      finishedAt: runs.finishedAt,
      error: runs.error,
    })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, runs.pipelineVersionId))
    .where(
      and(
        options.visible,
        options.pipelineId ? eq(runs.pipelineId, options.pipelineId) : undefined,
      ),
    )
    .orderBy(desc(runs.createdAt))
    .limit(options.limit ?? 50);
}

export async function getRun(db: Db, runId: string) {
  const [run] = await db
    .select({
      id: runs.id,
      status: runs.status,
      workflowId: runs.workflowId,
      pipelineId: runs.pipelineId,
      pipelineName: pipelines.name,
      version: pipelineVersions.version,
      planHash: runs.planHash,
      error: runs.error,
      createdAt: runs.createdAt,
      startedAt: runs.startedAt,
      finishedAt: runs.finishedAt,
      triggeredBy: runs.triggeredBy,
      startedBy: users.email,
      trigger: runs.trigger,
    })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, runs.pipelineVersionId))
    .leftJoin(users, eq(users.id, runs.triggeredBy))
    .where(eq(runs.id, runId));
  if (!run) throw new NotFoundError(`Run ${runId} does not exist`);
  const [[planRow], steps] = await Promise.all([
    db.select({ plan: runs.plan }).from(runs).where(eq(runs.id, runId)),
    db.select().from(runSteps).where(eq(runSteps.runId, runId)),
  ]);
  // Plan order is a topological order: the table reads like the pipeline.
  const order = new Map((planRow?.plan as Plan | undefined)?.steps.map((s, i) => [s.id, i]));
  steps.sort((a, b) => (order.get(a.stepId) ?? 0) - (order.get(b.stepId) ?? 0));
  // A queued step nobody can take says why, within seconds of being queued.
  const live = steps.some((s) => s.status === "queued") ? await liveWorkers(db) : [];
  return {
    ...run,
    steps: steps.map((s) => ({
      ...s,
      waiting: s.status === "queued" ? queueWaitReason(s.taskQueue, live) : null,
    })),
  };
}

/** A UUID derived from a key (SHA-256, shaped as a version-5-style UUID). */
export function uuidFromKey(key: string): string {
  const h = createHash("sha256").update(key).digest("hex");
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A run's step logs, oldest first, optionally one step's and only lines containing `search`. */
export async function listStepLogs(
  db: Db,
  input: { runId: string; stepId?: string; search?: string; limit?: number },
) {
  return db
    .select({
      id: stepLogs.id,
      stepId: stepLogs.stepId,
      attempt: stepLogs.attempt,
      at: stepLogs.at,
      message: stepLogs.message,
    })
    .from(stepLogs)
    .where(
      and(
        eq(stepLogs.runId, input.runId),
        input.stepId ? eq(stepLogs.stepId, input.stepId) : undefined,
        input.search
          ? ilike(stepLogs.message, `%${input.search.replace(/[%_\\]/g, "\\$&")}%`)
          : undefined,
      ),
    )
    .orderBy(asc(stepLogs.id))
    .limit(input.limit ?? 2000);
}
