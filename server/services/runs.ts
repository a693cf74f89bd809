import { WorkflowExecutionAlreadyStartedError } from "@temporalio/client";
import { desc, eq } from "drizzle-orm";
import type { Client } from "@temporalio/client";
import type { Plan, RunPipelineInput, RunSummary } from "../../workflows/plan";
import { compilePipeline } from "../compiler/compile";
import type { Db } from "../db/client";
import { pipelineVersions, pipelines, runs, runSteps } from "../db/schema";
import { WORKFLOW_TASK_QUEUE } from "../temporal/client";
import { NotFoundError } from "./pipelines";

/**
 * Compiles a saved version, records the run and its steps, and starts the workflow. The run row
 * comes first so the UI can show it at once; the workflow id is derived from the run id, so a
 * retried start cannot create a second execution.
 */
export async function startRun(
  db: Db,
  temporal: Client,
  input: { pipelineVersionId: string; userId?: string | null; trigger?: string },
) {
  const [version] = await db
    .select()
    .from(pipelineVersions)
    .where(eq(pipelineVersions.id, input.pipelineVersionId));
  if (!version)
    throw new NotFoundError(`Pipeline version ${input.pipelineVersionId} does not exist`);
  const { plan, hash } = compilePipeline(version.graph);
  const runId = crypto.randomUUID();
  const workflowId = `run-${runId}`;

  await db.transaction(async (tx) => {
    await tx.insert(runs).values({
      id: runId,
      pipelineId: version.pipelineId,
      pipelineVersionId: version.id,
      workflowId,
      planHash: hash,
      plan,
      triggeredBy: input.userId ?? null,
      trigger: input.trigger ?? "api",
    });
    if (plan.steps.length) {
      await tx.insert(runSteps).values(
        plan.steps.map((s) => ({
          runId,
          stepId: s.id,
          nodeType: s.nodeType,
          taskQueue: s.taskQueue,
        })),
      );
    }
  });

  try {
    await temporal.workflow.start("runPipeline", {
      taskQueue: WORKFLOW_TASK_QUEUE,
      workflowId,
      args: [{ runId, plan } satisfies RunPipelineInput],
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
  return { runId, workflowId };
}

export async function waitForRun(temporal: Client, workflowId: string): Promise<RunSummary> {
  return (await temporal.workflow.getHandle(workflowId).result()) as RunSummary;
}

export async function cancelRun(db: Db, temporal: Client, runId: string) {
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  if (!run) throw new NotFoundError(`Run ${runId} does not exist`);
  await temporal.workflow.getHandle(run.workflowId).cancel();
}

export async function listRuns(db: Db, options: { limit?: number; pipelineId?: string } = {}) {
  return db
    .select({
      id: runs.id,
      status: runs.status,
      pipelineId: runs.pipelineId,
      pipelineName: pipelines.name,
      version: pipelineVersions.version,
      createdAt: runs.createdAt,
      startedAt: runs.startedAt,
      finishedAt: runs.finishedAt,
      error: runs.error,
    })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, runs.pipelineVersionId))
    .where(options.pipelineId ? eq(runs.pipelineId, options.pipelineId) : undefined)
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
    })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, runs.pipelineVersionId))
    .where(eq(runs.id, runId));
  if (!run) throw new NotFoundError(`Run ${runId} does not exist`);
  const [[planRow], steps] = await Promise.all([
    db.select({ plan: runs.plan }).from(runs).where(eq(runs.id, runId)),
    db.select().from(runSteps).where(eq(runSteps.runId, runId)),
  ]);
  // Plan order is a topological order: the table reads like the pipeline.
  const order = new Map((planRow?.plan as Plan | undefined)?.steps.map((s, i) => [s.id, i]));
  steps.sort((a, b) => (order.get(a.stepId) ?? 0) - (order.get(b.stepId) ?? 0));
  return { ...run, steps };
}
