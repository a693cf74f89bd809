import { spawn, type ChildProcessByStdio } from "node:child_process";
import { lstat, readFile } from "node:fs/promises";
import type { Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Context } from "@temporalio/activity";
import type { StepIO } from "./step-io";
import { StepInputError } from "../errors";
import type { ArtifactRef } from "../../workflows/plan";
import { env } from "../env";
import { describeParquet } from "./dataset";
import { preprocessingOf, startingAfter, withRowStep } from "./preprocessing";
import type { RowStep } from "./row-steps";
import { openSandbox } from "./sandbox";

/** SQL text a user wrote: prep.sql's query, or prep.derive's expression for a new column. */
export type UserQuery =
  { kind: "select"; sql: string } | { kind: "derive"; column: string; expression: string };

export interface SqlLimits {
  /** DuckDB's memory_limit; the process is killed well past it (see MEMORY_HEADROOM_MIB). */
  memoryMiB: number;
  threads: number;
  /** What DuckDB may spill to the step's directory (max_temp_directory_size). */
  tempMiB: number;
}

/** What the query's process may hold beyond DuckDB's memory limit (Node, DuckDB's own) before it is killed. */
export const MEMORY_HEADROOM_MIB = 512;
const WATCH_MS = 250;
const MAX_REPLY_BYTES = 64 * 1024;

export function sqlLimits(): SqlLimits {
  const e = env();
  return {
    memoryMiB: e.SQL_MEMORY_LIMIT_MIB,
    threads: e.SQL_THREADS,
    tempMiB: e.SQL_TEMP_LIMIT_MIB,
  };
}

const runner = fileURLToPath(new URL("./sql-runner.mjs", import.meta.url));

/** Whether an endpoint can run the query on each request (it maps a row to a row), and why not. */
export interface QueryShape {
  rowWise: boolean;
  why?: string;
  /** prep.sql's query as it ran (without a trailing semicolon). */
  sql?: string;
}

/** What the worker sends lib/data/sql-runner.mjs. */
interface SqlRequest {
  dir: string;
  /** View name → Parquet file inside `dir`. */
  inputs: Record<string, string>;
  output: string;
  limits: SqlLimits;
  query: UserQuery;
}

const whatOf = (q: UserQuery) => (q.kind === "derive" ? `Derived column "${q.column}"` : "SQL");

/**
 * Runs a user's query over Parquet inputs into a Parquet output, in a process of its own: a Node
 * with an empty environment and DuckDB sandboxed to `dir` (lib/data/sql-runner.mjs), so the
 * query never shares an address space with the worker's secrets. The process is killed (SIGKILL)
 * when `signal` aborts (the step cancelled, or timed out as Temporal tells the worker), at
 * `deadline`, or when it holds more memory than DuckDB's limit and some headroom; if the worker
 * itself dies, the closed pipe ends it. Each process runs one query and is never reused.
 */
export async function runUserQuery(options: {
  dir: string;
  inputs: Record<string, string>;
  output: string;
  query: UserQuery;
  limits?: SqlLimits;
  signal?: AbortSignal;
  /** Epoch milliseconds: the step's time limit, when known. */
  deadline?: number;
  /** How far past DuckDB's limit the process may grow before it is killed; MEMORY_HEADROOM_MIB. */
  headroomMiB?: number;
  /** Told the pid of the query's process (tests). */
  onStart?: (pid: number | undefined) => void;
}): Promise<QueryShape> {
  const limits = options.limits ?? sqlLimits();
  const what = whatOf(options.query);
  options.signal?.throwIfAborted();
  const request: SqlRequest = {
    dir: options.dir,
    inputs: options.inputs,
    output: options.output,
    limits,
    query: options.query,
  };
  const child = takeRunner();
  options.onStart?.(child.pid);
  let stopped: Error | undefined;
  const stop = (why: Error) => {
    stopped ??= why;
    child.kill("SIGKILL");
  };
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    if (stdout.length < MAX_REPLY_BYTES) stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    if (stderr.length < MAX_REPLY_BYTES) stderr += d;
  });
  // A write after the process died (killed at once) is not an error of ours.
  child.stdin.on("error", () => undefined);
  child.stdin.write(`${JSON.stringify(request)}\n`);

  const onAbort = () => {
    const why = (options.signal?.reason as Error | undefined)?.message ?? "requested";
    // An AbortError: Temporal reports the attempt as cancelled, not failed.
    const err = new Error(
      why === "TIMED_OUT"
        ? `${what} was stopped: the step ran past its time limit`
        : `${what} was stopped: the step was cancelled (${why})`,
    );
    err.name = "AbortError";
    stop(err);
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const timer =
    options.deadline === undefined
      ? undefined
      : setTimeout(
          () => stop(new Error(`${what} was stopped: the query ran past the step's time limit`)),
          Math.max(0, options.deadline - Date.now()),
        );
  const watch = setInterval(() => {
    void residentMiB(child.pid).then((mib) => {
      if (mib !== null && mib > limits.memoryMiB + (options.headroomMiB ?? MEMORY_HEADROOM_MIB))
        stop(
          new StepInputError(
            `${what} was stopped: it used ${mib} MiB, past its memory limit of ${limits.memoryMiB} MiB (SQL_MEMORY_LIMIT_MIB)`,
          ),
        );
    });
  }, WATCH_MS);

  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
    (resolve, reject) => {
      child.once("error", reject);
      child.once("close", (c, s) => resolve([c, s]));
    },
  ).finally(() => {
    options.signal?.removeEventListener("abort", onAbort);
    clearTimeout(timer);
    clearInterval(watch);
    child.stdin.destroy();
    replenishSpare();
  });
  if (stopped) throw stopped;
  const reply = parseReply(stdout);
  if (reply?.ok) return { rowWise: reply.rowWise === true, why: reply.why, sql: reply.sql };
  if (reply)
    throw reply.input ? new StepInputError(reply.message) : new Error(`${what}: ${reply.message}`);
  const last = stderr.trim().split("\n").at(-1)?.slice(0, 500);
  throw new Error(
    `${what}: the query's process ended without an answer (${signal ? `signal ${signal}` : `exit code ${code}`})${last ? `: ${last}` : ""}`,
  );
}

type Runner = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * A runner started ahead of need: Node booted and DuckDB's library loaded (about 0.2 s), waiting
 * for its one request. It holds no data and no environment; it does not keep the worker alive,
 * and ends when the worker does (its stdin closes).
 */
let spare: Runner | undefined;

function spawnRunner(): Runner {
  const child = spawn(process.execPath, ["--max-old-space-size=256", runner], {
    cwd: os.tmpdir(),
    // Nothing of the worker's environment (database password, secrets key) reaches the query.
    env: {} as NodeJS.ProcessEnv,
    stdio: ["pipe", "pipe", "pipe"],
  });
  // A spare that failed to start is noticed when taken (no pid, or exited).
  child.on("error", () => undefined);
  return child;
}

const streams = (c: Runner) => [c.stdin, c.stdout, c.stderr] as unknown as Socket[];

/** The spare runner if it is still alive, else a new one. */
function takeRunner(): Runner {
  const ready = spare;
  spare = undefined;
  if (ready && ready.pid !== undefined && ready.exitCode === null && ready.signalCode === null) {
    ready.ref();
    for (const s of streams(ready)) s.ref?.();
    return ready;
  }
  ready?.kill("SIGKILL");
  return spawnRunner();
}

/** Starts the next query's runner once this one is done, so its start does not slow this query. */
function replenishSpare(): void {
  if (spare) return;
  spare = spawnRunner();
  spare.unref();
  for (const s of streams(spare)) s.unref?.();
}

type Reply = { ok: boolean; input?: boolean; message: string } & Partial<QueryShape>;

function parseReply(stdout: string): Reply | null {
  try {
    const value = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as unknown;
    if (value && typeof value === "object" && "ok" in value) return value as Reply;
  } catch {
    // no answer
  }
  return null;
}

/** The process's resident memory in MiB, where /proc tells it (Linux); null elsewhere or once it is gone. */
async function residentMiB(pid: number | undefined): Promise<number | null> {
  if (pid === undefined || process.platform !== "linux") return null;
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 1024);
  } catch {
    return null;
  }
}

/** The attempt's time limit as Temporal set it, when this runs inside an activity. */
function attemptTimeLimitMs(): number | undefined {
  try {
    return Context.current().info.startToCloseTimeoutMs || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The frame of a dataset step that runs a user's query: the input downloaded, the query run out
 * of process (runUserQuery), and its output, a plain file the query's process wrote, described in
 * the worker's own sandboxed DuckDB and stored as a `dataset` artifact.
 */
export async function userSqlStep(ctx: StepIO, query: UserQuery): Promise<ArtifactRef> {
  const started = Date.now();
  const limitMs = attemptTimeLimitMs();
  const input = await ctx.inputPath("input");
  const output = path.join(ctx.workDir, "output.parquet");
  const shape = await runUserQuery({
    dir: ctx.workDir,
    inputs: { input },
    output,
    query,
    signal: ctx.signal,
    deadline: limitMs === undefined ? undefined : started + limitMs,
  });
  const stat = await lstat(output).catch(() => null);
  if (!stat?.isFile())
    throw new Error(`${whatOf(query)}: the query's process wrote no output file`);
  const box = await openSandbox(ctx.workDir);
  try {
    const metadata = await describeParquet(box.connection, output);
    ctx.log(`${metadata.rows} rows, ${metadata.schema.length} columns`);
    const step: RowStep | undefined = !shape.rowWise
      ? undefined
      : query.kind === "derive"
        ? { op: "derive", column: query.column, expression: query.expression, what: whatOf(query) }
        : { op: "sql", sql: shape.sql ?? query.sql, what: "SQL" };
    const upstream = preprocessingOf(await ctx.inputMetadata("input"));
    const carried = step && withRowStep(upstream, step, ctx.inputs.input!, metadata.schema);
    if (!step)
      ctx.log(
        `the query has ${shape.why ?? "a clause that changes rows"}, so it cannot run on each request: a model trained after it takes the columns it outputs`,
      );
    else if (!carried)
      ctx.log(
        "a fitted prep step comes before this one, so a model trained after it takes the columns it outputs",
      );
    const preprocessing =
      carried ??
      startingAfter(
        metadata.schema,
        `${whatOf(query)} "${ctx.stepId}" (${step ? "after a fitted step" : (shape.why ?? "not row-wise")})`,
      );
    return await ctx.writeFile("dataset", output, { ...metadata, preprocessing });
  } finally {
    box.close();
  }
}
