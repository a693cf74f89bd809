import { lt } from "drizzle-orm";
import type { Db } from "../db/client";
import { predictions } from "../db/schema";

type Row = Pick<
  typeof predictions.$inferInsert,
  "id" | "deploymentId" | "versionId" | "role" | "inputs" | "outputs" | "latencyMs"
>;

const INSERT = `
  INSERT INTO predictions (id, deployment_id, version_id, role, inputs, outputs, latency_ms)
  SELECT id, deployment_id, version_id, role, inputs, outputs, latency_ms
  FROM json_to_recordset($1::json)
    AS x(id uuid, deployment_id uuid, version_id uuid, role text, inputs jsonb, outputs jsonb, latency_ms integer)
  ON CONFLICT DO NOTHING`;

/**
 * One prepared statement with the whole batch as a single JSON parameter: PostgreSQL unpacks it,
 * so the serving thread does one JSON.stringify instead of binding seven parameters per row
 * (through the ORM that cost more CPU than scoring the request did).
 */
const insertBatch = (db: Db, batch: Row[]) =>
  db.$client.unsafe(
    INSERT,
    [
      JSON.stringify(
        batch.map((r) => ({
          id: r.id,
          deployment_id: r.deploymentId,
          version_id: r.versionId,
          role: r.role,
          inputs: r.inputs,
          outputs: r.outputs,
          latency_ms: r.latencyMs,
        })),
      ),
    ],
    { prepare: true },
  );

const FLUSH_MS = 250;
const MAX_BATCH = 500;
const MAX_BUFFER = 50_000;

/**
 * Prediction logging off the request path: rows are buffered and written in multi-row inserts
 * every 250 ms (or every 500 rows). When the database lags far behind, the oldest rows are dropped
 * and counted rather than letting memory grow or requests wait.
 */
export class PredictionLogger {
  private buffer: Row[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout;
  private retention: NodeJS.Timeout;
  dropped = 0;
  written = 0;

  constructor(
    private readonly db: Db,
    retentionDays: number,
  ) {
    this.timer = setInterval(() => {
      void this.flush().catch(() => undefined);
      void this.flushErrors().catch(() => undefined);
    }, FLUSH_MS);
    this.timer.unref();
    const prune = () =>
      void db
        .delete(predictions)
        .where(lt(predictions.createdAt, new Date(Date.now() - retentionDays * 86_400_000)))
        .catch(() => undefined);
    prune();
    this.retention = setInterval(prune, 3_600_000);
    this.retention.unref();
  }

  log(rows: Row[]): void {
    this.buffer.push(...rows);
    if (this.buffer.length > MAX_BUFFER) {
      const over = this.buffer.length - MAX_BUFFER;
      this.buffer.splice(0, over);
      this.dropped += over;
    }
    if (this.buffer.length >= MAX_BATCH) void this.flush().catch(() => undefined);
  }

  /** Writes everything buffered so far (feedback calls it, so a fresh prediction can be found). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (!this.buffer.length) return;
    this.flushing = (async () => {
      while (this.buffer.length) {
        const batch = this.buffer.splice(0, MAX_BATCH);
        try {
          await insertBatch(this.db, batch);
          this.written += batch.length;
        } catch (err) {
          this.buffer.unshift(...batch);
          throw err;
        }
      }
    })().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.retention);
    await this.flush();
    await this.flushErrors();
  }

  private errors = new Map<string, number>();

  /** Counts a refused or failed request of a known deployment (written with the next flush). */
  error(deploymentId: string, status: number): void {
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    const key = `${deploymentId}|${minute}|${status}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  async flushErrors(): Promise<void> {
    if (!this.errors.size) return;
    const counts = [...this.errors].map(([key, count]) => {
      const [deployment_id, minute, status] = key.split("|");
      return { deployment_id, minute, status: Number(status), count };
    });
    this.errors.clear();
    await this.db.$client.unsafe(
      `INSERT INTO endpoint_errors (deployment_id, minute, status, count)
       SELECT deployment_id, minute, status, count
       FROM json_to_recordset($1::json)
         AS x(deployment_id uuid, minute timestamptz, status integer, count integer)
       ON CONFLICT (deployment_id, minute, status)
       DO UPDATE SET count = endpoint_errors.count + excluded.count`,
      [JSON.stringify(counts)],
    );
  }
}
