import { and, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { workers } from "../db/schema";

/** A worker refreshes its row every 10 s; one not seen for this long is gone (or unreachable). */
export const WORKER_STALE_MS = 30_000;

/** How a worker is getting a queue ready (worker.ts reports it in its runtimes). */
export interface QueueSetup {
  queue: string;
  state: "installing" | "failed";
  since: string;
  error?: string;
}

export interface LiveWorker {
  identity: string;
  queues: string[];
  setup: QueueSetup[];
}

/** Workers that announced themselves within WORKER_STALE_MS and have not stopped. */
export async function liveWorkers(db: Db): Promise<LiveWorker[]> {
  const rows = await db
    .select({ identity: workers.identity, queues: workers.queues, runtimes: workers.runtimes })
    .from(workers)
    .where(
      and(
        isNull(workers.stoppedAt),
        sql`${workers.lastSeenAt} > now() - make_interval(secs => ${WORKER_STALE_MS / 1000})`,
      ),
    );
  return rows.map((r) => ({
    identity: r.identity,
    queues: r.queues,
    setup: Array.isArray(r.runtimes.setup) ? (r.runtimes.setup as QueueSetup[]) : [],
  }));
}

const HOW_TO_START: Record<string, string> = {
  python:
    "start one with `npm run worker -- --queues python` on a machine with Python 3, pandas and bubblewrap (docs/code-nodes.md)",
  gpu: "start one with `npm run worker -- --queues gpu` on a machine with a GPU (docs/ml.md#gpus)",
  cpu: "start one with `npm run worker` (or `npm start`)",
};

/**
 * Why a step on `queue` is not starting, when nobody can start it: null while a live worker
 * polls the queue. Said on the run page, the canvas, `cli run --wait` and in the step's error.
 */
export function queueWaitReason(queue: string, live: LiveWorker[]): string | null {
  if (live.some((w) => w.queues.includes(queue))) return null;
  const installing = live
    .flatMap((w) => w.setup.map((s) => ({ ...s, identity: w.identity })))
    .find((s) => s.queue === queue);
  if (installing?.state === "installing")
    return `No worker polls the ${queue} queue yet: worker ${installing.identity} is installing what it needs (since ${installing.since.slice(11, 19)} UTC) and takes ${queue} steps when done`;
  if (installing?.state === "failed")
    return `No worker polls the ${queue} queue: worker ${installing.identity} could not get ready for it (${installing.error ?? "see its log"}); ${HOW_TO_START[queue] ?? "start a worker for it"}`;
  return `No worker polls the ${queue} queue: ${HOW_TO_START[queue] ?? `start one with \`npm run worker -- --queues ${queue}\``}`;
}
