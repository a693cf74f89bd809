import { and, desc, eq, inArray, like, ne, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "../db/client";
import { experiments, pipelines, runSteps, runs } from "../db/schema";

// Test metrics, wherever an evaluation's numbers live. An Evaluate step records them on its
// experiment row when it executes; a cached Evaluate step has none of its own, so its numbers are
// those of the execution with the same cache key (same model, same test rows, same params).

export interface Evaluation {
  /** The run and step that show this evaluation (the step may have been cached). */
  runId: string;
  stepId: string;
  modelHash: string;
  testHash: string | null;
  metrics: Record<string, unknown>;
  /** The execution that computed the numbers. */
  source: { runId: string; stepId: string };
}

type StoredParts = { inputs?: Record<string, string> } | null;

/**
 * The tracked experiment row (trial -1) of every succeeded or cached step of these runs: a cached
 * step's is its source execution's, found by cache key within the workspace.
 */
export async function trackedSteps(db: Db, workspaceId: string, runIds: string[]) {
  if (runIds.length === 0) return [];
  const src = alias(runSteps, "src");
  const srcRun = alias(runs, "src_run");
  const srcPipeline = alias(pipelines, "src_pipeline");
  const rows = await db
    .selectDistinctOn([runSteps.runId, runSteps.stepId], {
      runId: runSteps.runId,
      stepId: runSteps.stepId,
      nodeType: runSteps.nodeType,
      cached: runSteps.cacheHit,
      parts: runSteps.cacheKeyParts,
      algorithm: experiments.algorithm,
      metrics: experiments.metrics,
      score: experiments.score,
      curve: experiments.curve,
      modelHash: experiments.modelHash,
      sourceRunId: src.runId,
      sourceStepId: src.stepId,
    })
    .from(runSteps)
    .innerJoin(src, and(eq(src.cacheKey, runSteps.cacheKey), eq(src.status, "succeeded")))
    .innerJoin(srcRun, eq(srcRun.id, src.runId))
    .innerJoin(srcPipeline, eq(srcPipeline.id, srcRun.pipelineId))
    .innerJoin(
      experiments,
      and(
        eq(experiments.runId, src.runId),
        eq(experiments.stepId, src.stepId),
        eq(experiments.trial, -1),
      ),
    )
    .where(
      and(
        inArray(runSteps.runId, runIds),
        inArray(runSteps.status, ["succeeded", "cached"]),
        eq(srcPipeline.workspaceId, workspaceId),
      ),
    )
    // The step's own execution first, then the newest one with its key.
    .orderBy(
      runSteps.runId,
      runSteps.stepId,
      sql`(${src.runId} = ${runSteps.runId}) desc`,
      desc(src.finishedAt),
    );
  return rows.map(({ parts, sourceRunId, sourceStepId, ...r }) => ({
    ...r,
    inputs: (parts as StoredParts)?.inputs ?? {},
    source: { runId: sourceRunId, stepId: sourceStepId },
  }));
}

/** Every Evaluate step of these runs that succeeded or was cached, with its test metrics. */
export async function evaluationsOfRuns(
  db: Db,
  workspaceId: string,
  runIds: string[],
): Promise<Evaluation[]> {
  const rows = await trackedSteps(db, workspaceId, runIds);
  return rows.flatMap((r) => {
    const test = (r.metrics as { test?: Record<string, unknown> }).test;
    if (r.nodeType !== "evaluate.model" || !r.inputs.model || !test) return [];
    return [
      {
        runId: r.runId,
        stepId: r.stepId,
        modelHash: r.inputs.model,
        testHash: r.inputs.test ?? null,
        metrics: test,
        source: r.source,
      },
    ];
  });
}

/** The evaluations of one model artifact in the workspace, newest first. */
export async function evaluationsOfModel(
  db: Db,
  workspaceId: string,
  modelHash: string,
): Promise<Evaluation[]> {
  const rows = await db
    .select({
      runId: experiments.runId,
      stepId: experiments.stepId,
      metrics: experiments.metrics,
      parts: runSteps.cacheKeyParts,
    })
    .from(experiments)
    .innerJoin(
      runSteps,
      and(eq(runSteps.runId, experiments.runId), eq(runSteps.stepId, experiments.stepId)),
    )
    .innerJoin(runs, eq(runs.id, experiments.runId))
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .where(
      and(
        eq(experiments.modelHash, modelHash),
        eq(experiments.trial, -1),
        like(experiments.algorithm, "evaluate:%"),
        eq(pipelines.workspaceId, workspaceId),
        ne(runSteps.status, "cached"),
      ),
    )
    .orderBy(desc(experiments.createdAt));
  return rows.flatMap((r) => {
    const test = (r.metrics as { test?: Record<string, unknown> }).test;
    if (!test) return [];
    return [
      {
        runId: r.runId,
        stepId: r.stepId,
        modelHash,
        testHash: (r.parts as StoredParts)?.inputs?.test ?? null,
        metrics: test,
        source: { runId: r.runId, stepId: r.stepId },
      },
    ];
  });
}

/** The headline metric a trainer optimised for this model (its experiment's score), if any. */
export async function trainerMetricName(
  db: Db,
  modelHashes: string[],
): Promise<Map<string, string>> {
  if (modelHashes.length === 0) return new Map();
  const rows = await db
    .select({ modelHash: experiments.modelHash, score: experiments.score })
    .from(experiments)
    .where(
      and(
        inArray(experiments.modelHash, modelHashes),
        eq(experiments.trial, -1),
        sql`${experiments.algorithm} not like 'evaluate:%'`,
      ),
    );
  const names = new Map<string, string>();
  for (const r of rows) if (r.modelHash && r.score) names.set(r.modelHash, r.score.name);
  return names;
}
