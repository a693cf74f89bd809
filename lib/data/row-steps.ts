import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ArtifactRef } from "../../workflows/plan";
import type { ColumnSchema } from "./dataset";
import { StepInputError } from "../errors";

/**
 * A step that maps each row to one row, recorded so that an endpoint runs it on each request as
 * training ran it on the file: a select (keep and rename), a derived column, or a user's SELECT
 * with no clause that drops, adds or groups rows. `what` names the step in errors.
 */
export type RowStep = { what?: string } & (
  | { op: "select"; columns: { from: string; to: string }[] }
  | { op: "derive"; column: string; expression: string }
  | { op: "sql"; sql: string }
);

/** The file's side of a dataset's recorded preprocessing: what came in, and the row steps since. */
export interface RowSource {
  /** The columns of the dataset that entered the first row step: what a client has. */
  columns: ColumnSchema[];
  steps: RowStep[];
  /** That dataset. */
  dataset: ArtifactRef;
  /** The rows of `dataset` behind this dataset's rows, once a split picked them: its columns and __ff_row, each row's position in it. */
  rows?: ArtifactRef;
  /** Why this dataset's rows cannot be traced back to `dataset` (a step dropped rows). */
  untraceable?: string;
}

/** Column values as JSON carries them: numbers (null when missing) or text. */
export type RowValues = Record<string, (number | string | boolean | null)[]>;

interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

const RUNNER = "row-steps-runner.mjs";
// Bundlers (the web app's) move this module away from its runner: then it is in the checkout.
const runnerPath = () => {
  const beside = path.join(path.dirname(fileURLToPath(import.meta.url)), RUNNER);
  return existsSync(beside) ? beside : path.join(process.cwd(), "lib", "data", RUNNER);
};

/**
 * The process that runs row steps (lib/data/row-steps-runner.mjs): started on first use, with an
 * empty environment, and started again after it dies or is killed for a request past its time.
 */
class RowStepsProcess {
  private child: ChildProcessWithoutNullStreams | undefined;
  private next = 1;
  private pending = new Map<number, Pending>();

  private start() {
    if (this.child) return this.child;
    const child = spawn(process.execPath, ["--max-old-space-size=256", runnerPath()], {
      cwd: os.tmpdir(),
      env: {} as NodeJS.ProcessEnv,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let buffered = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        const reply = JSON.parse(line) as {
          id: number;
          ok: boolean;
          input?: boolean;
          message?: string;
        } & Record<string, unknown>;
        const p = this.pending.get(reply.id);
        if (!p) continue;
        this.pending.delete(reply.id);
        clearTimeout(p.timer);
        if (reply.ok) p.resolve(reply);
        else
          p.reject(
            reply.input
              ? new RowStepsInputError(reply.message ?? "row steps failed")
              : new Error(`row steps: ${reply.message}`),
          );
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      if (stderr.length < 4096) stderr += d;
    });
    child.stdin.on("error", () => undefined);
    const gone = () => {
      if (this.child !== child) return;
      this.child = undefined;
      const last = stderr.trim().split("\n").at(-1)?.slice(0, 300);
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`row steps: the process ended${last ? `: ${last}` : ""}`));
      }
      this.pending.clear();
    };
    child.on("exit", gone);
    child.on("error", gone);
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr])
      (s as { unref?: () => void }).unref?.();
    this.child = child;
    return child;
  }

  call(request: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    const child = this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RowStepsInputError(`the row steps took longer than ${timeoutMs} ms`));
        // The process may be stuck in the query: it goes, and the next call starts another.
        child.kill("SIGKILL");
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      child.stdin.write(`${JSON.stringify({ ...request, id })}\n`);
    });
  }

  stop() {
    this.child?.kill("SIGKILL");
    this.child = undefined;
  }
}

/** A request's values do not go through the steps (a value of the wrong type, a failing expression). */
export class RowStepsInputError extends StepInputError {}

let shared: RowStepsProcess | undefined;
const processOf = () => (shared ??= new RowStepsProcess());

/** Stops the row steps' process (tests; it also ends with its parent). */
export function stopRowSteps() {
  shared?.stop();
}

/**
 * Runs the steps over rows given as columns of the file (a missing column is all nulls) and
 * returns the wanted columns: numbers as doubles with NaN for missing, text with "" for missing.
 */
export async function applyRowSteps(opts: {
  source: ColumnSchema[];
  steps: RowStep[];
  rows: number;
  columns: RowValues;
  want: { column: string; text: boolean }[];
  timeoutMs?: number;
}): Promise<Record<string, Float64Array | string[]>> {
  const reply = (await processOf().call(
    {
      op: "apply",
      source: opts.source,
      steps: opts.steps,
      rows: opts.rows,
      columns: opts.columns,
      want: opts.want,
    },
    opts.timeoutMs ?? 30_000,
  )) as { columns: Record<string, (number | string | null)[]>; rows: number };
  if (reply.rows !== opts.rows)
    throw new RowStepsInputError(
      `the row steps returned ${reply.rows} rows for ${opts.rows}: a step drops or adds rows`,
    );
  return Object.fromEntries(
    opts.want.map((w) => {
      const values = reply.columns[w.column] ?? [];
      return [
        w.column,
        w.text
          ? values.map((v) => (v === null ? "" : String(v)))
          : Float64Array.from(values, (v) => (v === null ? NaN : Number(v))),
      ];
    }),
  );
}

/** The file's columns that `want` is computed from through the steps. */
export async function rowStepNeeds(opts: {
  source: ColumnSchema[];
  steps: RowStep[];
  want: string[];
}): Promise<string[]> {
  const reply = (await processOf().call(
    { op: "needs", source: opts.source, steps: opts.steps, want: opts.want },
    60_000,
  )) as { needs: string[] };
  return reply.needs;
}

/** Column arrays as the row steps' process reads them: NaN and "" (a model's missing values) as null. */
export function toRowValues(columns: Record<string, Float64Array | string[]>): RowValues {
  return Object.fromEntries(
    Object.entries(columns).map(([name, values]) => [
      name,
      Array.isArray(values)
        ? values.map((v) => (v === "" ? null : v))
        : Array.from(values, (v) => (Number.isNaN(v) ? null : v)),
    ]),
  );
}
