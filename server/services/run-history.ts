import { and, asc, desc, eq, gte, inArray, isNotNull, lt, lte, sql, type SQL } from "drizzle-orm";
import type { Plan } from "../../workflows/plan";
import type { Db } from "../db/client";
import {
  deployments,
  experiments,
  modelVersions,
  models,
  monitorResults,
  pipelineVersions,
  pipelines,
  runSteps,
  runs,
  users,
  type RunStatus,
} from "../db/schema";
import type { PipelineFile } from "../pipeline/schema";
import { NotFoundError } from "./pipelines";

export const historySorts = ["createdAt", "duration", "status", "pipeline"] as const;
export type HistorySort = (typeof historySorts)[number];

export interface HistoryFilters {
  pipelineId?: string;
  status?: RunStatus;
  /** A user id: runs this person started. */
  triggeredBy?: string;
  /** Inclusive bounds on when the run was created. */
  from?: Date;
  to?: Date;
  tag?: string;
  sort?: HistorySort;
  order?: "asc" | "desc";
  limit?: number;
  offset?: number;
}

export interface KeyMetric {
  name: string;
  value: number;
  higherIsBetter: boolean;
}

/** Running runs count up to now, so a long run sorts as long while it is still going. */
const durationSeconds = sql<
  number | null
>`extract(epoch from coalesce(${runs.finishedAt}, now()) - ${runs.startedAt})::float8`;

/** Step totals per run, in one lateral aggregate instead of a query per row. */
function stepTotals(db: Db) {
  const seconds = sql`extract(epoch from ${runSteps.finishedAt} - ${runSteps.startedAt})`;
  // Cached steps carry timestamps too, but used no compute.
  const executed = sql`not ${runSteps.cacheHit} and ${runSteps.startedAt} is not null and ${runSteps.finishedAt} is not null`;
  return db
    .select({
      stepCount: sql<number>`count(*)::int`.as("step_count"),
      cacheHits: sql<number>`(count(*) filter (where ${runSteps.cacheHit}))::int`.as("cache_hits"),
      cpuSeconds:
        sql<number>`coalesce(sum(${seconds}) filter (where ${executed} and ${runSteps.taskQueue} = 'cpu'), 0)::float8`.as(
          "cpu_seconds",
        ),
      gpuSeconds:
        sql<number>`coalesce(sum(${seconds}) filter (where ${executed} and ${runSteps.taskQueue} = 'gpu'), 0)::float8`.as(
          "gpu_seconds",
        ),
    })
    .from(runSteps)
    .where(eq(runSteps.runId, runs.id))
    .as("step_totals");
}

/** The run's best tracked step score (trials are not models the run produced). */
function bestScore(db: Db) {
  const value = sql`(${experiments.score}->>'value')::float8`;
  return db
    .select({ score: experiments.score })
    .from(experiments)
    .where(
      and(eq(experiments.runId, runs.id), eq(experiments.trial, -1), isNotNull(experiments.score)),
    )
    .orderBy(
      sql`case when (${experiments.score}->>'higherIsBetter')::boolean then ${value} else -${value} end desc nulls last`,
    )
    .limit(1)
    .as("best_score");
}

function historyQuery(db: Db) {
  const totals = stepTotals(db);
  const best = bestScore(db);
  return db
    .select({
      id: runs.id,
      pipelineId: runs.pipelineId,
      pipelineName: pipelines.name,
      version: pipelineVersions.version,
      status: runs.status,
      trigger: runs.trigger,
      triggeredById: runs.triggeredBy,
      triggeredByEmail: users.email,
      triggeredByName: users.name,
      tags: runs.tags,
      createdAt: runs.createdAt,
      startedAt: runs.startedAt,
      finishedAt: runs.finishedAt,
      error: runs.error,
      durationSeconds,
      stepCount: totals.stepCount,
      cacheHits: totals.cacheHits,
      cpuSeconds: totals.cpuSeconds,
      gpuSeconds: totals.gpuSeconds,
      score: best.score,
    })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, runs.pipelineVersionId))
    .leftJoin(users, eq(users.id, runs.triggeredBy))
    .leftJoinLateral(totals, sql`true`)
    .leftJoinLateral(best, sql`true`);
}

type HistoryQueryRow = Awaited<ReturnType<ReturnType<typeof historyQuery>["execute"]>>[number];

function toHistoryRow(r: HistoryQueryRow) {
  const { score, triggeredByEmail, triggeredByName, triggeredById, ...rest } = r;
  return {
    ...rest,
    triggeredBy: triggeredById
      ? { id: triggeredById, email: triggeredByEmail ?? "", name: triggeredByName ?? "" }
      : null,
    /** Who or what started it: the person's email, else the trigger ("schedule", "api", …). */
    triggeredByLabel: triggeredByEmail ?? r.trigger,
    stepCount: r.stepCount ?? 0,
    cacheHits: r.cacheHits ?? 0,
    cpuSeconds: r.cpuSeconds ?? 0,
    gpuSeconds: r.gpuSeconds ?? 0,
    keyMetric: score ? ({ ...score } satisfies KeyMetric) : null,
  };
}

export type RunHistoryRow = ReturnType<typeof toHistoryRow>;

function filterConditions(f: HistoryFilters): (SQL | undefined)[] {
  return [
    f.pipelineId ? eq(runs.pipelineId, f.pipelineId) : undefined,
    f.status ? eq(runs.status, f.status) : undefined,
    f.triggeredBy ? eq(runs.triggeredBy, f.triggeredBy) : undefined,
    f.from ? gte(runs.createdAt, f.from) : undefined,
    f.to ? lte(runs.createdAt, f.to) : undefined,
    f.tag ? sql`${runs.tags} @> ${JSON.stringify([f.tag])}::jsonb` : undefined,
  ];
}

function orderBy(sort: HistorySort, order: "asc" | "desc"): SQL[] {
  const dir = order === "asc" ? sql`asc` : sql`desc`;
  const column: Record<HistorySort, SQL> = {
    createdAt: sql`${runs.createdAt}`,
    duration: sql`${durationSeconds}`,
    status: sql`${runs.status}`,
    pipeline: sql`lower(${pipelines.name})`,
  };
  // Ties (same status, same pipeline) read newest first, and the id keeps pages stable.
  return [sql`${column[sort]} ${dir} nulls last`, desc(runs.createdAt), asc(runs.id)];
}

/** Run history: the runs `visible` allows, filtered, sorted and paged, with their totals. */
export async function listRunHistory(db: Db, visible: SQL, filters: HistoryFilters = {}) {
  const where = and(visible, ...filterConditions(filters));
  const [rows, [count]] = await Promise.all([
    historyQuery(db)
      .where(where)
      .orderBy(...orderBy(filters.sort ?? "createdAt", filters.order ?? "desc"))
      .limit(filters.limit ?? 50)
      .offset(filters.offset ?? 0),
    db
      .select({ total: sql<number>`count(*)::int` })
      .from(runs)
      .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
      .where(where),
  ]);
  return { rows: rows.map(toHistoryRow), total: count?.total ?? 0 };
}

/** People who started runs that `visible` allows: the choices of the history's user filter. */
export async function listRunUsers(db: Db, visible: SQL) {
  return db
    .selectDistinct({ id: users.id, email: users.email, name: users.name })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(users, eq(users.id, runs.triggeredBy))
    .where(visible)
    .orderBy(asc(users.email));
}

export async function setRunTags(db: Db, runId: string, tags: string[]) {
  const unique = [...new Set(tags)];
  const [row] = await db
    .update(runs)
    .set({ tags: unique })
    .where(eq(runs.id, runId))
    .returning({ tags: runs.tags });
  if (!row) throw new NotFoundError(`Run ${runId} does not exist`);
  return row.tags;
}

// ---------------------------------------------------------------------------------------------
// Comparing runs

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

/** 2–5 runs side by side: their summaries, the params that differ, metrics and learning curves. */
export async function compareRuns(db: Db, runIds: string[]) {
  const [summaries, plans, tracked, steps] = await Promise.all([
    historyQuery(db).where(inArray(runs.id, runIds)),
    db.select({ id: runs.id, plan: runs.plan }).from(runs).where(inArray(runs.id, runIds)),
    db
      .select()
      .from(experiments)
      .where(and(inArray(experiments.runId, runIds), eq(experiments.trial, -1)))
      .orderBy(asc(experiments.stepId)),
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
  const byId = new Map(summaries.map((r) => [r.id, toHistoryRow(r)]));
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

  const metrics = alignByStep(
    runIds.map((id) =>
      Object.fromEntries(
        tracked.filter((e) => e.runId === id).map((e) => [e.stepId, flattenMetrics(e.metrics)]),
      ),
    ),
    stepOrder,
  ).map((row) => ({ ...row, differs: differs(row.values) }));

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

// ---------------------------------------------------------------------------------------------
// One run's graph

export interface RunGraphNode {
  id: string;
  nodeType: string;
  label: string;
  position: { x: number; y: number };
}

export interface RunGraphEdge {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

/** Columns by depth (longest path from a source), rows in plan order: a readable default. */
export function layeredPositions(
  stepIds: string[],
  edges: RunGraphEdge[],
): Map<string, { x: number; y: number }> {
  const depth = new Map<string, number>();
  // Plan order is topological, so every source's depth is known before its targets'.
  for (const id of stepIds) {
    const parents = edges.filter((e) => e.target === id).map((e) => depth.get(e.source) ?? 0);
    depth.set(id, parents.length ? Math.max(...parents) + 1 : 0);
  }
  const perColumn = new Map<number, number>();
  const out = new Map<string, { x: number; y: number }>();
  for (const id of stepIds) {
    const d = depth.get(id) ?? 0;
    const row = perColumn.get(d) ?? 0;
    perColumn.set(d, row + 1);
    out.set(id, { x: d * 240, y: row * 110 });
  }
  return out;
}

/**
 * The run's DAG (its plan's steps and inputs, placed as on the canvas when every node has a
 * position), its tags, and the previous run of the same pipeline that `visible` allows, for
 * "what changed".
 */
export async function runGraph(db: Db, visible: SQL, runId: string) {
  const [run] = await db
    .select({
      plan: runs.plan,
      graph: pipelineVersions.graph,
      pipelineId: runs.pipelineId,
      createdAt: runs.createdAt,
      tags: runs.tags,
    })
    .from(runs)
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, runs.pipelineVersionId))
    .where(eq(runs.id, runId));
  if (!run) throw new NotFoundError(`Run ${runId} does not exist`);
  const plan = run.plan as Plan;
  const doc = run.graph as PipelineFile;
  const docNodes = new Map(doc.nodes.map((n) => [n.id, n]));
  const edges: RunGraphEdge[] = plan.steps.flatMap((s) =>
    Object.entries(s.inputs).map(([port, ref]) => ({
      source: ref.step,
      sourcePort: ref.port,
      target: s.id,
      targetPort: port,
    })),
  );
  const placed = plan.steps.every((s) => docNodes.get(s.id)?.position);
  const layered = placed
    ? null
    : layeredPositions(
        plan.steps.map((s) => s.id),
        edges,
      );
  const nodes: RunGraphNode[] = plan.steps.map((s) => {
    const n = docNodes.get(s.id);
    return {
      id: s.id,
      nodeType: s.nodeType,
      label: n?.label ?? s.id,
      position: layered?.get(s.id) ?? n?.position ?? { x: 0, y: 0 },
    };
  });

  const [previous] = await db
    .select({ runId: runs.id, version: pipelineVersions.version, createdAt: runs.createdAt })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, runs.pipelineVersionId))
    .where(and(visible, eq(runs.pipelineId, run.pipelineId), lt(runs.createdAt, run.createdAt)))
    .orderBy(desc(runs.createdAt))
    .limit(1);
  return { nodes, edges, tags: run.tags, previous: previous ?? null };
}

// ---------------------------------------------------------------------------------------------
// The manager's dashboard

export type DriftStatus = "ok" | "drift" | "alert" | "unmonitored";

export function driftStatus(alerts: { kind: string }[] | null | undefined): DriftStatus {
  if (!alerts) return "unmonitored";
  if (alerts.some((a) => a.kind.endsWith("drift"))) return "drift";
  return alerts.length ? "alert" : "ok";
}

/** UTC midnight `days - 1` days before `now`: the first day a `days`-long window shows. */
export function windowStart(now: Date, days: number): Date {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  start.setUTCDate(start.getUTCDate() - (days - 1));
  return start;
}

export interface DayCounts {
  day: string;
  total: number;
  succeeded: number;
  failed: number;
  /** Runs that ended (succeeded, failed or cancelled): the success rate's denominator. */
  finished: number;
}

/** Every day of the window, with zeros on days without runs, and each day's success rate. */
export function fillDays(rows: DayCounts[], start: Date, days: number) {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return Array.from({ length: days }, (_, i) => {
    const d = new Date(start);
    d.setUTCDate(d.getUTCDate() + i);
    const day = d.toISOString().slice(0, 10);
    const r = byDay.get(day) ?? { day, total: 0, succeeded: 0, failed: 0, finished: 0 };
    return { ...r, successRate: r.finished ? r.succeeded / r.finished : null };
  });
}

export async function dashboard(db: Db, workspaceId: string, days = 30, now = new Date()) {
  const start = windowStart(now, days);
  const inWorkspace = eq(pipelines.workspaceId, workspaceId);
  const day = sql<string>`to_char(${runs.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`;
  const median = sql<number>`percentile_cont(0.5) within group (order by extract(epoch from ${runs.finishedAt} - ${runs.startedAt}))::float8`;
  const latestCheck = db
    .select({
      alerts: monitorResults.alerts,
      checkedAt: monitorResults.createdAt,
      rows: monitorResults.rows,
    })
    .from(monitorResults)
    .where(eq(monitorResults.deploymentId, deployments.id))
    .orderBy(desc(monitorResults.createdAt))
    .limit(1)
    .as("latest_check");

  const [perDay, durations, production, approvals] = await Promise.all([
    db
      .select({
        day,
        total: sql<number>`count(*)::int`,
        succeeded: sql<number>`(count(*) filter (where ${runs.status} = 'succeeded'))::int`,
        failed: sql<number>`(count(*) filter (where ${runs.status} = 'failed'))::int`,
        finished: sql<number>`(count(*) filter (where ${runs.status} in ('succeeded', 'failed', 'cancelled')))::int`,
      })
      .from(runs)
      .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
      .where(and(inWorkspace, gte(runs.createdAt, start)))
      .groupBy(day),
    db
      .select({
        pipelineId: pipelines.id,
        pipelineName: pipelines.name,
        runs: sql<number>`count(*)::int`,
        medianSeconds: median,
      })
      .from(runs)
      .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
      .where(
        and(
          inWorkspace,
          gte(runs.createdAt, start),
          eq(runs.status, "succeeded"),
          isNotNull(runs.startedAt),
          isNotNull(runs.finishedAt),
        ),
      )
      .groupBy(pipelines.id, pipelines.name)
      .orderBy(desc(median), asc(pipelines.name)),
    db
      .select({
        deploymentId: deployments.id,
        name: deployments.name,
        alias: deployments.alias,
        strategy: deployments.strategy,
        modelId: models.id,
        modelName: models.name,
        version: modelVersions.version,
        algorithm: modelVersions.algorithm,
        updatedAt: deployments.updatedAt,
        alerts: latestCheck.alerts,
        checkedAt: latestCheck.checkedAt,
      })
      .from(deployments)
      .innerJoin(models, eq(models.id, deployments.modelId))
      .innerJoin(modelVersions, eq(modelVersions.id, deployments.primaryVersionId))
      .leftJoinLateral(latestCheck, sql`true`)
      .where(eq(deployments.workspaceId, workspaceId))
      .orderBy(asc(deployments.name)),
    db
      .select({
        runId: runs.id,
        stepId: runSteps.stepId,
        nodeType: runSteps.nodeType,
        pipelineId: pipelines.id,
        pipelineName: pipelines.name,
        version: pipelineVersions.version,
        waitingSince: runSteps.queuedAt,
        triggeredByEmail: users.email,
        trigger: runs.trigger,
      })
      .from(runSteps)
      .innerJoin(runs, eq(runs.id, runSteps.runId))
      .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
      .innerJoin(pipelineVersions, eq(pipelineVersions.id, runs.pipelineVersionId))
      .leftJoin(users, eq(users.id, runs.triggeredBy))
      .where(and(inWorkspace, eq(runSteps.status, "awaiting_approval")))
      .orderBy(asc(runSteps.queuedAt), asc(runs.createdAt)),
  ]);

  const runsPerDay = fillDays(perDay, start, days);
  const totals = runsPerDay.reduce(
    (t, d) => ({
      total: t.total + d.total,
      succeeded: t.succeeded + d.succeeded,
      failed: t.failed + d.failed,
      finished: t.finished + d.finished,
    }),
    { total: 0, succeeded: 0, failed: 0, finished: 0 },
  );
  return {
    days,
    from: start,
    totals: { ...totals, successRate: totals.finished ? totals.succeeded / totals.finished : null },
    runsPerDay,
    durations,
    production: production.map(({ alerts, ...d }) => ({
      ...d,
      alertCount: alerts ? alerts.length : null,
      alertKinds: alerts ? [...new Set(alerts.map((a) => a.kind))] : [],
      drift: driftStatus(alerts),
    })),
    approvals: approvals.map(({ triggeredByEmail, ...a }) => ({
      ...a,
      triggeredByLabel: triggeredByEmail ?? a.trigger,
    })),
  };
}
