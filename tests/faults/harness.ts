import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import postgres from "postgres";
import { FsArtifactStore } from "../../server/artifacts/fs-store";
import { closeDb } from "../../server/db/client";
import { runMigrations } from "../../server/db/migrate";
import { startEmbeddedPostgres, type RunningPostgres } from "../../server/embedded/postgres";
import { freePort } from "../../server/embedded/ports";
import { findTemporalCli } from "../../server/embedded/temporal-cli";
import {
  startTemporalDevServer,
  type RunningTemporal,
} from "../../server/embedded/temporal-server";
import { resetEnvForTests } from "../../lib/env";
import { closeTemporalClient } from "../../server/temporal/client";
import { installTemporalRuntime } from "../../server/temporal/logging";
import { spawnWorkerProcess, type WorkerProcess } from "../helpers";

/**
 * A private embedded stack (PostgreSQL, the Temporal dev server, an artifact directory) for one
 * fault-injection file: the scenarios stop and start its parts, so it is never the shared one.
 * Each part restarts on the same port with the same data, as an operator's restart would.
 */
export interface FaultStack {
  dataDir: string;
  artifactDir: string;
  databaseUrl: string;
  temporalAddress: string;
  /** A direct connection for the checks; it reconnects by itself after a restart. */
  sql: postgres.Sql;
  spawnWorker(identity: string, env?: Record<string, string>): Promise<WorkerProcess>;
  /** Stops PostgreSQL (fast shutdown: sessions are terminated), waits `downMs`, starts it again. */
  restartPostgres(downMs: number): Promise<void>;
  /** Stops the Temporal dev server, waits `downMs`, starts it again on its port and database file. */
  restartTemporal(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

const log = (source: string) => (line: string) => {
  if (process.env.TEST_STACK_LOGS) console.log(`[${source}] ${line}`);
};

export async function startFaultStack(
  name: string,
  options: { artifactDir?: string } = {},
): Promise<FaultStack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `flowforge-faults-${name}-`));
  const artifactDir = options.artifactDir ?? path.join(dataDir, "artifacts");
  const pgPort = await freePort();
  const temporalPort = await freePort();
  const uiPort = await freePort();
  const startPg = () =>
    startEmbeddedPostgres({
      dataDir: path.join(dataDir, "pg"),
      port: pgPort,
      log: log("postgres"),
    });
  const cli = await findTemporalCli({ log: log("stack") });
  const startTemporal = () =>
    startTemporalDevServer({
      cli,
      dbFile: path.join(dataDir, "temporal.db"),
      port: temporalPort,
      uiPort,
      log: log("temporal"),
    });

  let pg: RunningPostgres | null = await startPg();
  await runMigrations(pg.url);
  let temporal: RunningTemporal | null = await startTemporal();
  const databaseUrl = pg.url;
  const temporalAddress = temporal.address;

  // Everything this process reads through lib/env.ts now points at the private stack.
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    DATA_DIR: dataDir,
    ARTIFACT_DIR: artifactDir,
  });
  resetEnvForTests();
  try {
    installTemporalRuntime("WARN");
  } catch {
    // already installed in this process
  }
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  const workers: WorkerProcess[] = [];

  return {
    dataDir,
    artifactDir,
    databaseUrl,
    temporalAddress,
    sql,
    async spawnWorker(identity, env = {}) {
      const worker = await spawnWorkerProcess(identity, {
        env: {
          DATABASE_URL: databaseUrl,
          TEMPORAL_ADDRESS: temporalAddress,
          DATA_DIR: dataDir,
          ARTIFACT_DIR: artifactDir,
          LOG_LEVEL: "warn",
          ...env,
        },
      });
      workers.push(worker);
      return worker;
    },
    async restartPostgres(downMs) {
      await pg!.stop();
      pg = null;
      await sleep(downMs);
      pg = await startPg();
    },
    async restartTemporal(downMs) {
      await temporal!.stop();
      temporal = null;
      await sleep(downMs);
      temporal = await startTemporal();
    },
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await closeTemporalClient().catch(() => undefined);
      await closeDb().catch(() => undefined);
      await sql.end({ timeout: 5 }).catch(() => undefined);
      await temporal?.stop();
      await pg?.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Thrown inside `eventually` to stop waiting at once. */
export class GiveUp extends Error {}

/**
 * Polls `fn` until it returns a truthy value; errors (a server being restarted) count as "not
 * yet", except GiveUp.
 */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(100);
  }
}

export interface StepRow {
  step_id: string;
  status: string;
  attempts: number;
  worker_identity: string | null;
  progress: { done: number; total: number } | null;
  error: string | null;
}

export async function stepRow(sql: postgres.Sql, runId: string, stepId: string) {
  const [row] = await sql<StepRow[]>`
    select step_id, status, attempts, worker_identity, progress, error
    from run_steps where run_id = ${runId} and step_id = ${stepId}`;
  return row;
}

/**
 * Waits, through outages, until `ready` holds for the run's step rows (by step id); fails at once,
 * with every step's state, if the run finishes first.
 */
export async function untilSteps(
  sql: postgres.Sql,
  runId: string,
  what: string,
  ready: (steps: Record<string, StepRow | undefined>) => boolean,
  timeoutMs = 120_000,
): Promise<void> {
  let seen = "";
  await eventually(
    what,
    async () => {
      const rows = await sql<StepRow[]>`
        select step_id, status, attempts, worker_identity, progress, error
        from run_steps where run_id = ${runId} order by step_id`;
      const [run] = await sql<{ status: string }[]>`select status from runs where id = ${runId}`;
      seen = rows
        .map((r) => `${r.step_id} ${r.status} (${r.worker_identity}) ${r.error ?? ""}`)
        .join("; ");
      if (ready(Object.fromEntries(rows.map((r) => [r.step_id, r])))) return true;
      if (run && ["succeeded", "failed", "cancelled"].includes(run.status))
        throw new GiveUp(`run ${runId} ${run.status} before ${what}`);
      return false;
    },
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nsteps: ${seen}`);
  });
}

/** Waits, through outages, until the run's row is finished; returns its status and error. */
export async function runFinished(sql: postgres.Sql, runId: string, timeoutMs = 240_000) {
  return eventually(
    `run ${runId} to finish`,
    async () => {
      const [run] = await sql<{ status: string; error: string | null }[]>`
        select status, error from runs where id = ${runId}`;
      return run && ["succeeded", "failed", "cancelled"].includes(run.status) ? run : undefined;
    },
    timeoutMs,
  );
}

/** The steps of a run that neither succeeded nor were cached, with their errors: [] when it is whole. */
export async function unfinishedSteps(sql: postgres.Sql, runId: string) {
  const rows = await sql<StepRow[]>`
    select step_id, status, attempts, worker_identity, progress, error
    from run_steps where run_id = ${runId} order by step_id`;
  return rows
    .filter((r) => r.status !== "succeeded" && r.status !== "cached")
    .map((r) => `${r.step_id}: ${r.status} ${r.error ?? ""}`);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return [];
      throw err;
    },
  );
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/**
 * The store and the database agree, and nothing half-written is visible:
 * - every artifact row's blob exists, has the row's size, hashes to its name and has the row's URI;
 * - every blob in the store (referenced or not) hashes to its name: a reader can never see a
 *   partial one, only temporary files under tmp/ may be incomplete;
 * - every artifact a step output, an experiment or a model version names has a row.
 * Returns the temporary files left under tmp/ (a worker killed mid-write may leave one).
 */
export async function verifyArtifacts(sql: postgres.Sql, artifactDir: string) {
  const store = new FsArtifactStore(artifactDir);
  const rows = await sql<{ hash: string; size_bytes: string; uri: string }[]>`
    select hash, size_bytes, uri from artifacts`;
  const problems: string[] = [];
  for (const row of rows) {
    const file = store.pathFor(row.hash);
    const bytes = await readFile(file).catch(() => null);
    if (!bytes) problems.push(`artifact ${row.hash} has a row but no blob at ${file}`);
    else if (bytes.byteLength !== Number(row.size_bytes))
      problems.push(`artifact ${row.hash}: ${bytes.byteLength} bytes, row says ${row.size_bytes}`);
    else if (sha256(bytes) !== row.hash)
      problems.push(`artifact ${row.hash} hashes to ${sha256(bytes)}`);
    if (row.uri !== store.uri(row.hash)) problems.push(`artifact ${row.hash} has uri ${row.uri}`);
  }
  const blobs = await filesUnder(path.join(artifactDir, "sha256"));
  for (const file of blobs) {
    const name = path.basename(path.dirname(file)) + path.basename(file);
    const actual = sha256(await readFile(file));
    if (actual !== name) problems.push(`blob ${file} hashes to ${actual}: a partial artifact`);
  }
  const outside = (await filesUnder(artifactDir)).filter(
    (f) =>
      !f.startsWith(path.join(artifactDir, "sha256") + path.sep) &&
      !f.startsWith(path.join(artifactDir, "tmp") + path.sep),
  );
  for (const file of outside) problems.push(`unexpected file in the store: ${file}`);

  const dangling = await sql<{ what: string; hash: string }[]>`
    with referenced as (
      select 'output of ' || s.run_id || '/' || s.step_id || '.' || o.key as what,
             o.value->>'hash' as hash
      from run_steps s, jsonb_each(s.outputs) o
      where s.outputs is not null and jsonb_typeof(s.outputs) = 'object'
      union all
      select 'model of experiment ' || run_id || '/' || step_id || '#' || trial, model_hash
      from experiments where model_hash is not null
      union all
      select 'model version ' || id, artifact_hash from model_versions
    )
    select what, hash from referenced r
    where not exists (select 1 from artifacts a where a.hash = r.hash)`;
  for (const d of dangling) problems.push(`${d.what} names ${d.hash}, which has no artifact row`);

  const tmpFiles = await filesUnder(path.join(artifactDir, "tmp"));
  return { problems, rows: rows.length, blobs: blobs.length, tmpFiles };
}

/**
 * No row was written twice by a retried attempt, a replayed activity or a re-delivered task: one
 * step row per (run, step) and exactly the plan's steps, one experiment row per (run, step, trial),
 * one registry version per (model, artifact) and per (model, number), one prediction per id.
 */
export async function duplicateRows(sql: postgres.Sql, runIds: string[]) {
  const found: string[] = [];
  const steps = await sql<{ run_id: string; step_id: string; n: number }[]>`
    select run_id, step_id, count(*)::int as n from run_steps
    where run_id = any(${runIds}::uuid[]) group by 1, 2 having count(*) > 1`;
  for (const s of steps) found.push(`run_steps ${s.run_id}/${s.step_id} ×${s.n}`);
  const planned = await sql<{ id: string; planned: number; rows: number }[]>`
    select r.id, jsonb_array_length(r.plan->'steps')::int as planned,
           (select count(*)::int from run_steps s where s.run_id = r.id) as rows
    from runs r where r.id = any(${runIds}::uuid[])`;
  for (const p of planned)
    if (p.planned !== p.rows) found.push(`run ${p.id}: ${p.rows} step rows for ${p.planned} steps`);
  const trials = await sql<{ run_id: string; step_id: string; trial: number; n: number }[]>`
    select run_id, step_id, trial, count(*)::int as n from experiments
    where run_id = any(${runIds}::uuid[]) group by 1, 2, 3 having count(*) > 1`;
  for (const t of trials) found.push(`experiments ${t.run_id}/${t.step_id}#${t.trial} ×${t.n}`);
  const byArtifact = await sql<{ model_id: string; artifact_hash: string; n: number }[]>`
    select model_id, artifact_hash, count(*)::int as n from model_versions
    group by 1, 2 having count(*) > 1`;
  for (const v of byArtifact)
    found.push(`model_versions ${v.model_id} artifact ${v.artifact_hash} ×${v.n}`);
  const byNumber = await sql<{ model_id: string; version: number; n: number }[]>`
    select model_id, version, count(*)::int as n from model_versions
    group by 1, 2 having count(*) > 1`;
  for (const v of byNumber) found.push(`model_versions ${v.model_id} v${v.version} ×${v.n}`);
  const byDeployStep = await sql<{ run: string; step: string; n: number }[]>`
    select lineage->>'deployRunId' as run, lineage->>'deployStepId' as step, count(*)::int as n
    from model_versions where lineage->>'deployRunId' = any(${runIds}::text[])
    group by 1, 2 having count(*) > 1`;
  for (const v of byDeployStep)
    found.push(`${v.n} model versions registered by deploy step ${v.run}/${v.step}`);
  const predictions = await sql<{ id: string; n: number }[]>`
    select id, count(*)::int as n from predictions group by 1 having count(*) > 1`;
  for (const p of predictions) found.push(`predictions ${p.id} ×${p.n}`);
  return found;
}

/** A seeded CSV of `rows` rows: six numeric features, a category and a two-class label `y`. */
export async function writeCsv(file: string, rows: number, seed = 7): Promise<number> {
  let s = seed >>> 0;
  const rand = () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const lines = ["x1,x2,x3,x4,x5,x6,group,y"];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: 6 }, () => rand() * 4 - 2);
    const group = ["a", "b", "c"][Math.floor(rand() * 3)]!;
    const score = x[0]! + 0.5 * x[1]! - x[2]! * x[3]! + (group === "b" ? 0.7 : 0) + rand() - 0.5;
    lines.push(`${x.map((v) => v.toFixed(6)).join(",")},${group},${score > 0 ? "yes" : "no"}`);
  }
  await mkdir(path.dirname(file), { recursive: true });
  const text = lines.join("\n") + "\n";
  await writeFile(file, text);
  return (await stat(file)).size;
}
