import { and, asc, desc, eq, gte, lte, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { pipelineVersions, pipelines, runSteps, runs, users, type RunStatus } from "../db/schema";
import { NotFoundError } from "../../lib/errors";
import { keyMetrics, type KeyMetric } from "./key-metric";

// Run history: the runs list with its filters, sorting, paging and totals, and run tags.

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

/** A row per run: pipeline, starter, step totals, best score (compare reuses it for summaries). */
export function historyQuery(db: Db) {
  const totals = stepTotals(db);
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
    })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, runs.pipelineVersionId))
    .leftJoin(users, eq(users.id, runs.triggeredBy))
    .leftJoinLateral(totals, sql`true`);
}

type HistoryQueryRow = Awaited<ReturnType<ReturnType<typeof historyQuery>["execute"]>>[number];

export function toHistoryRow(r: HistoryQueryRow, keyMetric: KeyMetric | null) {
  const { triggeredByEmail, triggeredByName, triggeredById, ...rest } = r;
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
    keyMetric,
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
export async function listRunHistory(
  db: Db,
  workspaceId: string,
  visible: SQL,
  filters: HistoryFilters = {},
) {
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
  const metrics = await keyMetrics(db, workspaceId, rows);
  return {
    rows: rows.map((r) => toHistoryRow(r, metrics.get(r.id) ?? null)),
    total: count?.total ?? 0,
  };
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
