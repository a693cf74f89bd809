import { sql } from "drizzle-orm";
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
