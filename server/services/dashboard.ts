import { and, asc, desc, eq, gte, isNotNull, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import {
  deployments,
  modelVersions,
  models,
  monitorResults,
  pipelineVersions,
  pipelines,
  runSteps,
  runs,
  users,
} from "../db/schema";
import { driftStatus } from "./deployment-drift";

// The manager's dashboard: runs per day, durations, what serves in production, what waits for
// approval.

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
  rejected: number;
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
    const r = byDay.get(day) ?? {
      day,
      total: 0,
      succeeded: 0,
      failed: 0,
      rejected: 0,
      finished: 0,
    };
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
        rejected: sql<number>`(count(*) filter (where ${runs.status} = 'rejected'))::int`,
        finished: sql<number>`(count(*) filter (where ${runs.status} in ('succeeded', 'failed', 'rejected', 'cancelled')))::int`,
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
      // Production first: "in production" is the production alias, nothing else.
      .orderBy(sql`${deployments.alias} = 'production' desc`, asc(deployments.name)),
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
      rejected: t.rejected + d.rejected,
      finished: t.finished + d.finished,
    }),
    { total: 0, succeeded: 0, failed: 0, rejected: 0, finished: 0 },
  );
  return {
    days,
    from: start,
    totals: { ...totals, successRate: totals.finished ? totals.succeeded / totals.finished : null },
    runsPerDay,
    durations,
    /** Models a production endpoint serves: the production alias, not any deployment. */
    modelsInProduction: new Set(
      production.filter((d) => d.alias === "production").map((d) => d.modelId),
    ).size,
    endpoints: production.map(({ alerts, ...d }) => ({
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
