import { sql } from "drizzle-orm";
import { inArray } from "drizzle-orm";
import protos from "@temporalio/proto";
import type { Db } from "../db/client";
import { workers } from "../db/schema";
import { env } from "../../lib/env";
import { STEP_QUEUES, getTemporalClient } from "../temporal/client";
import { liveWorkers, queueWaitReason, WORKER_STALE_MS } from "../temporal/queue-workers";

export interface PartHealth {
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

export interface QueueHealth {
  queue: string;
  required: boolean;
  ok: boolean;
  workers: {
    identity: string;
    lastAccessTime: string | null;
    queues: string[];
    gpus: { index: number; name: string; memoryMiB: number }[];
    providers: string[];
    runtimes: Record<string, unknown>;
  }[];
  error?: string;
  /** Why no worker polls the queue, and what to do, when none does. */
  note?: string;
}

export interface Health {
  status: "ok" | "down";
  checkedAt: string;
  database: PartHealth;
  temporal: PartHealth & { address?: string; namespace: string };
  queues: QueueHealth[];
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

/** The message and its causes, one line each: drizzle wraps the driver's error ("Failed query"). */
function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 4; e = e.cause) {
    parts.push(e.message.split("\n")[0]!);
  }
  return parts.length ? parts.join(": ") : String(err);
}

async function timed(fn: () => Promise<unknown>): Promise<PartHealth> {
  const t0 = performance.now();
  try {
    await fn();
    return { ok: true, latencyMs: Math.round(performance.now() - t0) };
  } catch (err) {
    return { ok: false, error: describeError(err) };
  }
}

/**
 * The state of every part the product needs. Required: the database, Temporal, and at least one
 * worker on the cpu queue. The gpu queue is reported but optional.
 */
export async function checkHealth(getDb: () => Db): Promise<Health> {
  const namespace = env().TEMPORAL_NAMESPACE;
  let db: Db | undefined;
  const database = await timed(async () => {
    db = getDb();
    await withTimeout(db.execute(sql`select 1`), 3000, "PostgreSQL");
  });
  const temporal = await timed(async () => {
    const client = await withTimeout(getTemporalClient(), 5000, "Temporal");
    await withTimeout(client.workflowService.getSystemInfo({}), 3000, "Temporal");
  });

  // Workers getting a queue ready (the python queue while its packages install) say so.
  const announced = database.ok && db ? await liveWorkers(db).catch(() => []) : [];
  const queues: QueueHealth[] = await Promise.all(
    STEP_QUEUES.map(async (queue): Promise<QueueHealth> => {
      const required = queue === "cpu";
      if (!temporal.ok)
        return { queue, required, ok: false, workers: [], error: "Temporal is down" };
      try {
        const client = await getTemporalClient();
        const res = await withTimeout(
          client.workflowService.describeTaskQueue({
            namespace,
            taskQueue: { name: queue },
            taskQueueType: protos.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
          }),
          3000,
          "Temporal",
        );
        const pollers = res.pollers ?? [];
        const identities = pollers.map((p) => p.identity ?? "").filter(Boolean);
        const known =
          database.ok && db && identities.length
            ? await db.select().from(workers).where(inArray(workers.identity, identities))
            : [];
        // Temporal lists a poller for minutes after it stopped or died; a worker refreshes its row
        // every 10 s and marks it stopped on a clean exit, so a stopped or stale row (or, for an
        // unknown worker, an old last poll) means it is gone.
        const now = Date.now();
        const live = pollers
          .map((p) => {
            const row = known.find((k) => k.identity === p.identity);
            const seconds = Number(p.lastAccessTime?.seconds ?? 0);
            const alive = row
              ? now - row.lastSeenAt.getTime() < WORKER_STALE_MS
              : now - seconds * 1000 < 90_000;
            return {
              alive,
              identity: p.identity ?? "unknown",
              lastAccessTime: seconds ? new Date(seconds * 1000).toISOString() : null,
              queues: row?.queues ?? [queue],
              gpus: row?.gpus ?? [],
              providers: row?.providers ?? [],
              runtimes: row?.runtimes ?? {},
            };
          })
          .filter((w) => w.alive)
          .map(({ alive: _alive, ...w }) => w);
        const note = live.length ? undefined : (queueWaitReason(queue, announced) ?? undefined);
        return { queue, required, ok: live.length > 0, workers: live, note };
      } catch (err) {
        return {
          queue,
          required,
          ok: false,
          workers: [],
          error: describeError(err),
        };
      }
    }),
  );

  const requiredOk = database.ok && temporal.ok && queues.every((q) => q.ok || !q.required);
  return {
    status: requiredOk ? "ok" : "down",
    checkedAt: new Date().toISOString(),
    database,
    temporal: { ...temporal, address: env().TEMPORAL_ADDRESS, namespace },
    queues,
  };
}
