import { spawn } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StepInputError } from "../errors";
import { loadDataset } from "./dataset";
import { openSandbox, quoteLiteral } from "./sandbox";
import { busyRunner, cpuSeconds, ENDLESS, exists, sqlRunners } from "../../tests/sql-runners";
import { runUserQuery, type SqlLimits, type UserQuery } from "./user-sql";

const limits: SqlLimits = { memoryMiB: 256, threads: 2, tempMiB: 64 };

describe("user SQL in a process of its own, on the real DuckDB", () => {
  let dir = "";
  let input = "";
  const output = () => path.join(dir, "output.parquet");
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "user-sql-"));
    input = path.join(dir, "input-input.parquet");
    const csv = path.join(dir, "penguins.csv");
    await copyFile("examples/data/penguins.csv", csv);
    const box = await openSandbox(dir);
    try {
      await box.connection.run(
        `COPY (SELECT * FROM read_csv(${quoteLiteral(csv)}, nullstr = 'NA')) TO ${quoteLiteral(input)} (FORMAT parquet)`,
      );
    } finally {
      box.close();
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = (query: UserQuery, extra: Partial<Parameters<typeof runUserQuery>[0]> = {}) =>
    runUserQuery({ dir, inputs: { input }, output: output(), query, limits, ...extra });
  const rowsOf = async () => {
    const box = await openSandbox(dir);
    try {
      await loadDataset(box.connection, output(), "out");
      return (await box.connection.runAndReadAll("SELECT * FROM out")).getRowObjectsJson();
    } finally {
      box.close();
    }
  };
  const refused = async (query: UserQuery, message: RegExp) => {
    const err = await run(query).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StepInputError);
    expect((err as Error).message).toMatch(message);
  };

  it("writes one SELECT's rows; a trailing semicolon and comment are allowed", async () => {
    await run({
      kind: "select",
      sql: "SELECT species, count(*)::INT AS n FROM input GROUP BY species ORDER BY species; -- done",
    });
    expect(await rowsOf()).toEqual([
      { species: "Adelie", n: 152 },
      { species: "Chinstrap", n: 68 },
      { species: "Gentoo", n: 124 },
    ]);
  });

  it("refuses anything but exactly one SELECT, by DuckDB's parser", async () => {
    await refused(
      { kind: "select", sql: "SELECT 1; SELECT 2" },
      /exactly one statement \(found 2\)/,
    );
    await refused(
      { kind: "select", sql: "SELECT 1 /* ; */; SET threads = 64" },
      /exactly one statement \(found 2\)/,
    );
    await refused(
      { kind: "select", sql: "SET enable_external_access = true" },
      /^SQL: only a SELECT query can run here/,
    );
    await refused({ kind: "select", sql: "ATTACH 'x.db'" }, /only a SELECT query/);
    await refused(
      { kind: "select", sql: "SELECT 1) TO 'x.csv' (FORMAT csv" },
      /^SQL: Parser Error/,
    );
    await refused(
      { kind: "select", sql: "SELECT * FROM read_csv('/etc/passwd')" },
      /^SQL: Permission Error: Cannot access file "\/etc\/passwd"/,
    );
  });

  it("derives a column from exactly one expression; a comment inside it is just a comment", async () => {
    await run({
      kind: "derive",
      column: "mass_kg",
      expression: "body_mass_g / 1000 -- grams to kilograms",
    });
    const rows = await rowsOf();
    expect(Object.keys(rows[0]!).at(-1)).toBe("mass_kg");
    expect(rows[0]!.mass_kg).toBe(3.75);
  });

  it("refuses a derive expression that smuggles a statement or clause, naming the problem", async () => {
    const derive = (expression: string): UserQuery => ({ kind: "derive", column: "x", expression });
    const one = /^Derived column "x": the expression must be one SQL expression/;
    // The attack that passed the old text check: close the parenthesis, read a file, comment out the rest.
    await refused(
      derive("1) FROM read_csv('/etc/passwd') --"),
      /one SQL expression; DuckDB's parser says: .*syntax error at or near "\)"/,
    );
    await refused(derive("1 /* x */) FROM read_csv('/etc/passwd') /* y */"), one);
    await refused(derive("1; SELECT * FROM read_csv('/etc/passwd')"), /not 2 statements \(a ";"/);
    await refused(derive("1;"), /syntax error at or near ";"/);
    await refused(derive("1 FROM read_csv('/etc/passwd')"), /without a FROM clause$/);
    await refused(derive("1 -- c\nWHERE true"), /without a WHERE clause$/);
    await refused(derive("1 /* c */ ORDER BY 1"), /without an ORDER BY clause$/);
    await refused(derive("1 LIMIT 0"), /without a LIMIT clause$/);
    await refused(derive("1 GROUP BY 1"), /without a GROUP BY clause$/);
    await refused(derive("DISTINCT 1"), /without DISTINCT$/);
    await refused(derive("1, 2"), /found 2 \(a comma outside parentheses/);
    await refused(derive("1 AS y"), /without AS y/);
    await refused(derive("*"), /not \* or COLUMNS/);
    await refused(derive("1 UNION SELECT 2"), /not a query/);
    await refused(
      derive("no_such_column + 1"),
      /^Derived column "x": Binder Error: .*no_such_column/,
    );
  });

  it("refuses a query that needs more memory than its limit, with the limit in the message", async () => {
    await refused(
      { kind: "select", sql: "SELECT list(i) AS l FROM range(100000000) t(i)" },
      /^SQL: the query needs more memory than its limit of 256 MiB \(Out of Memory Error/,
    );
  });

  it("kills the query's process when it holds more memory than its limit and headroom", async () => {
    // Node and DuckDB alone hold more than 64 MiB: with no headroom the watch fires at once.
    let pid: number | undefined;
    const err = await run(
      { kind: "select", sql: ENDLESS },
      { limits: { ...limits, memoryMiB: 64 }, headroomMiB: 0, onStart: (p) => (pid = p) },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StepInputError);
    expect((err as Error).message).toMatch(
      /^SQL was stopped: it used \d+ MiB, past its memory limit of 64 MiB \(SQL_MEMORY_LIMIT_MIB\)$/,
    );
    expect(await exists(pid!)).toBe(false);
  });

  it("kills the query's process when the step is cancelled: nothing keeps running", async () => {
    const abort = new AbortController();
    let pid: number | undefined;
    const running = run(
      { kind: "select", sql: ENDLESS },
      { signal: abort.signal, onStart: (p) => (pid = p) },
    );
    await sleep(1000);
    // Out of process, with nothing of the worker's environment, and busy.
    expect(pid).not.toBe(process.pid);
    expect(await readFile(`/proc/${pid}/environ`, "utf8")).toBe("");
    expect(await cpuSeconds(pid!)).toBeGreaterThan(0.2);
    abort.abort(new Error("CANCELLED"));
    await expect(running).rejects.toThrow(/^SQL was stopped: the step was cancelled \(CANCELLED\)/);
    expect(await exists(pid!)).toBe(false);
  });

  it("kills the query's process at the step's time limit", async () => {
    const started = Date.now();
    let pid: number | undefined;
    await expect(
      run(
        { kind: "select", sql: ENDLESS },
        { deadline: Date.now() + 1500, onStart: (p) => (pid = p) },
      ),
    ).rejects.toThrow(/^SQL was stopped: the query ran past the step's time limit/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await exists(pid!)).toBe(false);
  });

  it("keeps one idle spare process ready, with an empty environment, and takes it for the next query", async () => {
    // Started when the last query ended; booted (idle) within seconds.
    for (let i = 0; i < 50 && (await busyRunner(process.pid)) !== undefined; i++);
    expect(await busyRunner(process.pid)).toBeUndefined();
    const [spare, ...more] = await sqlRunners(process.pid);
    expect(more).toEqual([]);
    expect(await readFile(`/proc/${spare}/environ`, "utf8")).toBe("");
    let pid: number | undefined;
    await run({ kind: "select", sql: "SELECT 1 AS one" }, { onStart: (p) => (pid = p) });
    expect(pid).toBe(spare);
    expect(await rowsOf()).toEqual([{ one: 1 }]);
  });

  it("ends the query's process when the worker goes: its stdin closes", async () => {
    const child = spawn(process.execPath, ["lib/data/sql-runner.mjs"], {
      env: {} as NodeJS.ProcessEnv,
      stdio: ["pipe", "ignore", "ignore"],
    });
    const request = {
      dir,
      inputs: { input },
      output: output(),
      limits,
      query: { kind: "select", sql: ENDLESS },
    };
    child.stdin.write(`${JSON.stringify(request)}\n`);
    await sleep(1000);
    expect(child.exitCode).toBeNull();
    const exited = new Promise((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
    child.stdin.end();
    expect(await exited).toBe("SIGKILL");
  });
});
