import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";

/** Request rate, latency percentiles and traffic split of a deployment over the last minutes. */
export async function deploymentStats(db: Db, deploymentId: string, minutes: number) {
  const rows = await db.execute<{
    role: string;
    version_id: string;
    n: number;
    p50: number | null;
    p95: number | null;
    p99: number | null;
  }>(sql`
    select role, version_id, count(*)::int as n,
      percentile_cont(0.5) within group (order by latency_ms) as p50,
      percentile_cont(0.95) within group (order by latency_ms) as p95,
      percentile_cont(0.99) within group (order by latency_ms) as p99
    from predictions
    where deployment_id = ${deploymentId} and created_at > now() - make_interval(mins => ${minutes})
    group by role, version_id order by role`);
  const perMinute = await db.execute<{ minute: string; n: number }>(sql`
    select date_trunc('minute', created_at)::text as minute, count(*)::int as n
    from predictions
    where deployment_id = ${deploymentId} and role <> 'shadow'
      and created_at > now() - make_interval(mins => ${minutes})
    group by 1 order by 1`);
  return { minutes, byRole: [...rows], perMinute: [...perMinute] };
}

/**
 * A deployment over time: per bucket (5 minutes within 6 hours, else an hour) its requests,
 * latency percentiles and refused or failed requests by status, and every change of what it
 * serves with the version numbers.
 */
export async function deploymentHistory(db: Db, deploymentId: string, hours: number) {
  const bucket = hours <= 6 ? 300 : 3600;
  const from = sql`now() - make_interval(hours => ${hours})`;
  const slot = (col: SQL) =>
    sql`to_timestamp(floor(extract(epoch from ${col}) / ${bucket}) * ${bucket})`;
  const [traffic, errors, changes] = await Promise.all([
    db.execute<{
      at: string;
      n: number;
      p50: number | null;
      p95: number | null;
      p99: number | null;
    }>(sql`
      select ${slot(sql`created_at`)}::text as at, count(*)::int as n,
        percentile_cont(0.5) within group (order by latency_ms) as p50,
        percentile_cont(0.95) within group (order by latency_ms) as p95,
        percentile_cont(0.99) within group (order by latency_ms) as p99
      from predictions
      where deployment_id = ${deploymentId} and role <> 'shadow' and created_at > ${from}
      group by 1 order by 1`),
    db.execute<{ at: string; status: number; n: number }>(sql`
      select ${slot(sql`minute`)}::text as at, status, sum(count)::int as n
      from endpoint_errors
      where deployment_id = ${deploymentId} and minute > ${from}
      group by 1, 2 order by 1, 2`),
    db.execute<{
      at: string;
      action: string;
      alias: string | null;
      actor: string;
      version: number | null;
      previous: number | null;
    }>(sql`
      select a.at::text as at, a.action, a.alias, a.actor, v.version, p.version as previous
      from serving_audit a
      left join model_versions v on v.id = a.version_id
      left join model_versions p on p.id = a.previous_version_id
      where a.deployment_id = ${deploymentId}
      order by a.at desc limit 200`),
  ]);
  const buckets = new Map<
    string,
    {
      at: string;
      requests: number;
      errors: number;
      p50: number | null;
      p95: number | null;
      p99: number | null;
    }
  >();
  const at = (s: string) => new Date(s).toISOString();
  for (const t of traffic)
    buckets.set(at(t.at), {
      at: at(t.at),
      requests: t.n,
      errors: 0,
      p50: t.p50,
      p95: t.p95,
      p99: t.p99,
    });
  const byStatus: Record<string, number> = {};
  for (const e of errors) {
    const b = buckets.get(at(e.at)) ?? {
      at: at(e.at),
      requests: 0,
      errors: 0,
      p50: null,
      p95: null,
      p99: null,
    };
    b.errors += e.n;
    buckets.set(b.at, b);
    byStatus[String(e.status)] = (byStatus[String(e.status)] ?? 0) + e.n;
  }
  return {
    hours,
    bucketSeconds: bucket,
    buckets: [...buckets.values()].sort((a, b) => a.at.localeCompare(b.at)),
    errorsByStatus: byStatus,
    changes: changes.map((c) => ({ ...c, at: at(c.at) })),
  };
}
