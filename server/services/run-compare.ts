import { inArray } from "drizzle-orm";
import type { Plan } from "../../workflows/plan";
import type { Db } from "../db/client";
import { runSteps, runs } from "../db/schema";
import { NotFoundError } from "../../lib/errors";
import { historyQuery, toHistoryRow } from "./run-history";
import { trackedSteps } from "./evaluations";
import { keyMetrics } from "./key-metric";

// Comparing runs: 2–5 runs side by side, their params and metrics lined up step by step.

/** How a value reads in a comparison table: text as is, everything else as JSON. */
export function displayValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Nested objects become dotted keys; arrays and scalars are leaves. */
export function flattenParams(
  params: Record<string, unknown>,
  prefix = "",
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === "object" && !Array.isArray(value))
      Object.assign(out, flattenParams(value as Record<string, unknown>, name));
    else out[name] = displayValue(value);
  }
  return out;
}

/** Numeric leaves only ("validation.accuracy"); curves, matrices and counts of rows are skipped. */
export function flattenMetrics(
  metrics: Record<string, unknown>,
  prefix = "",
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "number" && Number.isFinite(value) && key !== "rows") out[name] = value;
    else if (value !== null && typeof value === "object" && !Array.isArray(value))
      Object.assign(out, flattenMetrics(value as Record<string, unknown>, name));
  }
  return out;
}

export interface AlignedRow<T> {
  stepId: string;
  name: string;
  /** One per run, in the order the runs were given; null where that run has no such value. */
  values: (T | null)[];
}

/**
 * Lines up per-run `{ stepId: { name: value } }` maps into rows, steps in the order given by
 * `stepOrder` (then any others in order of appearance), names in order of appearance.
 */
export function alignByStep<T>(
  perRun: Record<string, Record<string, T>>[],
  stepOrder: string[] = [],
): AlignedRow<T>[] {
  const steps = [...new Set([...stepOrder, ...perRun.flatMap((r) => Object.keys(r))])];
  const rows: AlignedRow<T>[] = [];
  for (const stepId of steps) {
    const names = [...new Set(perRun.flatMap((r) => Object.keys(r[stepId] ?? {})))];
    for (const name of names)
      rows.push({ stepId, name, values: perRun.map((r) => r[stepId]?.[name] ?? null) });
  }
  return rows;
}

/** True when the runs do not all agree (a value missing from a run counts as different). */
export function differs(values: unknown[]): boolean {
  return new Set(values.map((v) => (v === null ? "\u0000" : JSON.stringify(v)))).size > 1;
}

/** What a step does, for lining up runs of different pipelines (null: not a tracked task). */
export function taskOf(nodeType: string): string | null {
  if (nodeType === "evaluate.model") return "test evaluation";
  if (nodeType.startsWith("tune.")) return "tuning";
  if (nodeType.startsWith("train.") || nodeType.startsWith("code.")) return "training";
  return null;
}

/**
 * Each run's tracked steps keyed by task: "training", "test evaluation"; a run with two steps of
 * one task keys them "training: <step id>", and so does a step of no known task.
 */
export function byTask<T extends { stepId: string; nodeType: string }>(steps: T[]) {
  const counts = new Map<string, number>();
  for (const s of steps) {
    const t = taskOf(s.nodeType);
    if (t) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return new Map(
    steps.map((s) => {
      const t = taskOf(s.nodeType);
      return [t && counts.get(t) === 1 ? t : `${t ?? "step"}: ${s.stepId}`, s] as const;
    }),
  );
}

/**
 * 2–5 runs side by side: their summaries, the params that differ, metrics and learning curves.
 * Metrics line up by task (the trainer, the evaluation), not by step id, so runs of two pipelines
 * of the same task compare; cached steps show the numbers of the execution they reuse.
 */
export async function compareRuns(db: Db, workspaceId: string, runIds: string[]) {
  const [summaries, plans, tracked, steps] = await Promise.all([
    historyQuery(db).where(inArray(runs.id, runIds)),
    db.select({ id: runs.id, plan: runs.plan }).from(runs).where(inArray(runs.id, runIds)),
    trackedSteps(db, workspaceId, runIds),
    db
      .select({
        runId: runSteps.runId,
        stepId: runSteps.stepId,
        nodeType: runSteps.nodeType,
        status: runSteps.status,
        cacheHit: runSteps.cacheHit,
        startedAt: runSteps.startedAt,
        finishedAt: runSteps.finishedAt,
      })
      .from(runSteps)
      .where(inArray(runSteps.runId, runIds)),
  ]);
  const metricsOf = await keyMetrics(db, workspaceId, summaries, tracked);
  const byId = new Map(summaries.map((r) => [r.id, toHistoryRow(r, metricsOf.get(r.id) ?? null)]));
  const missing = runIds.filter((id) => !byId.has(id));
  if (missing.length) throw new NotFoundError(`Run ${missing.join(", ")} does not exist`);
  const planOf = new Map(plans.map((p) => [p.id, p.plan as Plan]));
  const stepOrder = [
    ...new Set(runIds.flatMap((id) => planOf.get(id)?.steps.map((s) => s.id) ?? [])),
  ];

  const params = alignByStep(
    runIds.map((id) =>
      Object.fromEntries((planOf.get(id)?.steps ?? []).map((s) => [s.id, flattenParams(s.params)])),
    ),
    stepOrder,
  ).map((row) => ({ ...row, differs: differs(row.values) }));

  const tasks = runIds.map((id) => byTask(tracked.filter((t) => t.runId === id)));
  const metrics = alignByStep(
    tasks.map((m) =>
      Object.fromEntries([...m].map(([task, t]) => [task, flattenMetrics(t.metrics)])),
    ),
    ["training", "tuning", "test evaluation"],
  ).map(({ stepId: task, ...row }) => ({
    task,
    ...row,
    /** The step of each run that the row's numbers come from. */
    stepIds: tasks.map((m) => m.get(task)?.stepId ?? null),
    differs: differs(row.values),
  }));

  const stepRows = alignByStep(
    runIds.map((id) =>
      Object.fromEntries(
        steps
          .filter((s) => s.runId === id)
          .map((s) => [
            s.stepId,
            {
              step: {
                nodeType: s.nodeType,
                status: s.status,
                cacheHit: s.cacheHit,
                seconds:
                  s.startedAt && s.finishedAt
                    ? (s.finishedAt.getTime() - s.startedAt.getTime()) / 1000
                    : null,
              },
            },
          ]),
      ),
    ),
    stepOrder,
  ).map((row) => ({ stepId: row.stepId, runs: row.values }));

  return {
    runs: runIds.map((id) => byId.get(id)!),
    steps: stepRows,
    params,
    metrics,
    curves: tracked
      .filter((e) => e.curve.length > 0)
      .sort((a, b) => runIds.indexOf(a.runId) - runIds.indexOf(b.runId))
      .map((e) => ({ runId: e.runId, stepId: e.stepId, algorithm: e.algorithm, curve: e.curve })),
  };
}

export type RunComparison = Awaited<ReturnType<typeof compareRuns>>;
