import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { callerAs } from "../people";
import { closeDb } from "../../server/db/client";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, spawnWorkerProcess, type WorkerProcess } from "../helpers";

const api = callerAs("admin");

async function run(nodes: unknown[], edges: unknown[]) {
  const saved = await api.pipelines.save({
    document: pipelineDoc(`datasets ${crypto.randomUUID()}`, nodes, edges),
  });
  const { runId, workflowId } = await api.runs.start({
    pipelineId: saved.pipelineId,
    cache: false,
  });
  await waitForRun(await getTemporalClient(), workflowId);
  return api.runs.get({ runId });
}
const datasetOf = (r: Awaited<ReturnType<typeof run>>, step: string) =>
  (
    r.steps.find((s) => s.stepId === step)!.outputs as Record<
      string,
      { hash: string; kind: string }
    >
  ).dataset!;

describe("ingest and prep on DuckDB, run by a real worker", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    worker = await spawnWorkerProcess("datasets-worker");
  });
  afterAll(async () => {
    await worker.stop();
    await closeTemporalClient();
    await closeDb();
  });

  it("ingests a sample, selects, renames, filters with parameters and runs SQL; previews the result", async () => {
    const r = await run(
      [
        { id: "raw", type: "ingest.sample", params: { dataset: "penguins-raw" } },
        {
          id: "pick",
          type: "prep.select",
          params: {
            columns: ["Species", "Island", "Body Mass (g)", "Sex"],
            rename: { "Body Mass (g)": "mass" },
          },
        },
        {
          id: "heavy",
          type: "prep.filter",
          params: {
            conditions: [
              { column: "mass", op: ">=", value: 5000 },
              { column: "Sex", op: "is not null" },
            ],
          },
        },
        {
          id: "agg",
          type: "prep.sql",
          params: {
            sql: "SELECT Island, count(*) AS n, avg(mass) AS mean_mass FROM input GROUP BY Island ORDER BY Island",
          },
        },
      ],
      [
        { source: "raw", sourcePort: "dataset", target: "pick", targetPort: "input" },
        { source: "pick", sourcePort: "dataset", target: "heavy", targetPort: "input" },
        { source: "heavy", sourcePort: "dataset", target: "agg", targetPort: "input" },
      ],
    );
    expect(r.status).toBe("succeeded");
    const picked = await api.artifacts.dataset({ hash: datasetOf(r, "pick").hash, limit: 3 });
    expect(picked.schema.map((c) => c.name)).toEqual(["Species", "Island", "mass", "Sex"]);
    expect(picked.rowCount).toBe(344);
    expect(picked.rows).toHaveLength(3);
    expect(picked.profile.find((c) => c.name === "mass")).toMatchObject({
      nulls: 2,
      type: "BIGINT",
    });

    const heavy = await api.artifacts.dataset({ hash: datasetOf(r, "heavy").hash, limit: 1000 });
    expect(heavy.rows.every((row) => Number(row.mass) >= 5000 && row.Sex !== null)).toBe(true);
    expect(heavy.rowCount).toBe(heavy.rows.length);
    expect(heavy.rowCount).toBeGreaterThan(0);

    const agg = await api.artifacts.dataset({ hash: datasetOf(r, "agg").hash, limit: 10 });
    expect(agg.rows.map((row) => row.Island)).toEqual(["Biscoe"]);
    expect(Number(agg.rows[0]!.n)).toBe(heavy.rowCount);
  });

  it("treats filter values as values, never as SQL", async () => {
    const r = await run(
      [
        { id: "p", type: "ingest.sample" },
        {
          id: "f",
          type: "prep.filter",
          params: { conditions: [{ column: "species", op: "=", value: "Adelie' OR '1'='1" }] },
        },
      ],
      [{ source: "p", sourcePort: "dataset", target: "f", targetPort: "input" }],
    );
    expect(r.status).toBe("succeeded");
    expect((await api.artifacts.dataset({ hash: datasetOf(r, "f").hash, limit: 5 })).rowCount).toBe(
      0,
    );
  });

  it("fails clearly on a missing column, a file read in SQL, and several statements", async () => {
    const r = await run(
      [
        { id: "p", type: "ingest.sample" },
        { id: "sel", type: "prep.select", params: { columns: ["nope"] } },
        { id: "evil", type: "prep.sql", params: { sql: "SELECT * FROM read_csv('/etc/passwd')" } },
        { id: "two", type: "prep.sql", params: { sql: "SELECT 1; SELECT 2" } },
      ],
      [
        { source: "p", sourcePort: "dataset", target: "sel", targetPort: "input" },
        { source: "p", sourcePort: "dataset", target: "evil", targetPort: "input" },
        { source: "p", sourcePort: "dataset", target: "two", targetPort: "input" },
      ],
    );
    expect(r.status).toBe("failed");
    const err = (id: string) => r.steps.find((s) => s.stepId === id)!.error ?? "";
    expect(err("sel")).toMatch(
      /Select columns: no column "nope" in the input \(columns: species, island/,
    );
    expect(err("evil")).toMatch(/SQL: Permission Error: Cannot access file "\/etc\/passwd"/);
    expect(err("two")).toMatch(/exactly one statement \(found 2\)/);
    // Bad input is not retried: one attempt each, although prep.select allows two retries.
    expect(r.steps.find((s) => s.stepId === "sel")!.attempts).toBe(1);
  });

  it("refuses to preview an artifact that is not a dataset", async () => {
    const r = await run([{ id: "n", type: "internal.numbers" }], []);
    const hash = (r.steps[0]!.outputs as Record<string, { hash: string }>).numbers!.hash;
    await expect(api.artifacts.dataset({ hash, limit: 5 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });
});

describe("fitted prep steps learn on the train split only", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    worker = await spawnWorkerProcess("prep-worker");
  });
  afterAll(async () => {
    await worker.stop();
  });

  it("splits (stratified, seeded), imputes, one-hot encodes and scales, with the state from train", async () => {
    const split3 = (s: string, t: string) =>
      ["train", "validation", "test"].map((port) => ({
        source: s,
        sourcePort: port,
        target: t,
        targetPort: port,
      }));
    const r = await run(
      [
        { id: "p", type: "ingest.sample" },
        {
          id: "split",
          type: "prep.split",
          params: { method: "stratified", column: "species", seed: 7 },
        },
        {
          id: "impute",
          type: "prep.impute",
          params: { strategy: "mean", columns: ["bill_length_mm", "body_mass_g"] },
        },
        { id: "encode", type: "prep.encode", params: { columns: ["island"] } },
        { id: "scale", type: "prep.scale", params: { columns: ["bill_length_mm", "body_mass_g"] } },
      ],
      [
        { source: "p", sourcePort: "dataset", target: "split", targetPort: "input" },
        ...split3("split", "impute"),
        ...split3("impute", "encode"),
        ...split3("encode", "scale"),
      ],
    );
    expect(r.steps.map((s) => [s.stepId, s.status, s.error])).toEqual(
      r.steps.map((s) => [s.stepId, "succeeded", null]),
    );
    expect(r.status).toBe("succeeded");
    const out = (step: string, port: string) =>
      (r.steps.find((s) => s.stepId === step)!.outputs as Record<string, { hash: string }>)[port]!
        .hash;
    const preview = (step: string, port: string) =>
      api.artifacts.dataset({ hash: out(step, port), limit: 1000 });

    const [train, validation, test] = await Promise.all([
      preview("split", "train"),
      preview("split", "validation"),
      preview("split", "test"),
    ]);
    expect(train.rowCount + validation.rowCount + test.rowCount).toBe(344);
    expect(train.rowCount).toBeGreaterThan(230);
    for (const part of [train, validation, test])
      expect(new Set(part.rows.map((row) => row.species)).size).toBe(3);

    const state = JSON.parse(
      (await api.artifacts.preview({ hash: out("impute", "state") })).text,
    ) as { fill: { column: string; value: number }[] };
    const trainMean = train.profile.find((c) => c.name === "bill_length_mm")!.mean!;
    expect(state.fill.find((f) => f.column === "bill_length_mm")!.value).toBeCloseTo(trainMean, 9);
    const imputedTest = await preview("impute", "test");
    expect(imputedTest.profile.find((c) => c.name === "bill_length_mm")!.nulls).toBe(0);

    const encoded = await preview("encode", "validation");
    expect(encoded.schema.map((c) => c.name)).toEqual(
      expect.arrayContaining(["island=Biscoe", "island=Dream", "island=Torgersen"]),
    );
    expect(encoded.schema.map((c) => c.name)).not.toContain("island");

    // A prep step's output is profiled when first previewed, and the profile is kept with it.
    const sql = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
    const profiled = async (hash: string) => {
      const [row] = await sql<{ profiled: boolean }[]>`
        SELECT metadata ? 'profile' AS profiled FROM artifacts WHERE hash = ${hash}`;
      return row!.profiled;
    };
    try {
      expect(await profiled(out("p", "dataset"))).toBe(true);
      expect(await profiled(out("scale", "train"))).toBe(false);
      const scaled = await preview("scale", "train");
      expect(await profiled(out("scale", "train"))).toBe(true);
      const bill = scaled.profile.find((c) => c.name === "bill_length_mm")!;
      expect(bill.mean!).toBeCloseTo(0, 9);
      expect(bill.std!).toBeCloseTo(1, 1);
      expect((await preview("scale", "train")).profile).toEqual(scaled.profile);
    } finally {
      await sql.end();
    }
  });
});

describe("ingest.file reads only inside the data directory", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    worker = await spawnWorkerProcess("file-worker");
    const files = path.join(inject("dataDir"), "files");
    await mkdir(path.join(files, "sub"), { recursive: true });
    await writeFile(
      path.join(files, "sub", "good.csv"),
      '\uFEFFname,"note, with comma"\nAda,"two\nlines"\nBob,\n',
    );
    await writeFile(path.join(files, "ragged.csv"), "a,b,c\n1,2,3\n4,5\n");
  });
  afterAll(async () => {
    await worker.stop();
  });

  it("reads a file, and names the file and line of a bad one; refuses paths that leave the directory", async () => {
    const r = await run(
      [
        { id: "good", type: "ingest.file", params: { path: "sub/good.csv" } },
        { id: "ragged", type: "ingest.file", params: { path: "ragged.csv" } },
        { id: "escape", type: "ingest.file", params: { path: "../artifacts/anything" } },
        { id: "absolute", type: "ingest.file", params: { path: "/etc/passwd" } },
      ],
      [],
    );
    const step = (id: string) => r.steps.find((s) => s.stepId === id)!;
    expect([step("good").status, step("good").error]).toEqual(["succeeded", null]);
    const good = await api.artifacts.dataset({ hash: datasetOf(r, "good").hash, limit: 10 });
    expect(good.rows).toEqual([
      { name: "Ada", "note, with comma": "two\nlines" },
      { name: "Bob", "note, with comma": null },
    ]);
    expect(step("ragged")).toMatchObject({ status: "failed", attempts: 1 });
    expect(step("ragged").error).toMatch(
      /ragged\.csv: cannot read it as CSV: line 3, column "c": 2 fields where the header has 3/,
    );
    expect(step("escape").error).toMatch(/may not contain "\.\."/);
    expect(step("absolute").error).toMatch(/must be relative to the data directory/);
  });
});

describe("derived columns and data validation", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    worker = await spawnWorkerProcess("validate-worker");
  });
  afterAll(async () => {
    await worker.stop();
  });

  it("derives a column, warns or fails on checks, and reports each check", async () => {
    const checks = {
      columns: [
        { name: "species", type: "VARCHAR" },
        { name: "mass_kg", type: "DOUBLE" },
        { name: "ghost" },
      ],
      ranges: [{ column: "mass_kg", min: 3, max: 5 }],
      maxNullRate: { sex: 0.01 },
    };
    const r = await run(
      [
        { id: "p", type: "ingest.sample" },
        {
          id: "kg",
          type: "prep.derive",
          params: { column: "mass_kg", expression: "body_mass_g / 1000" },
        },
        { id: "warn", type: "prep.validate", params: { ...checks, onFailure: "warn" } },
        { id: "fail", type: "prep.validate", params: { ...checks, onFailure: "fail" } },
        {
          id: "bad",
          type: "prep.derive",
          params: { column: "x", expression: "no_such_column + 1" },
        },
      ],
      [
        { source: "p", sourcePort: "dataset", target: "kg", targetPort: "input" },
        { source: "kg", sourcePort: "dataset", target: "warn", targetPort: "input" },
        { source: "kg", sourcePort: "dataset", target: "fail", targetPort: "input" },
        { source: "p", sourcePort: "dataset", target: "bad", targetPort: "input" },
      ],
    );
    const step = (id: string) => r.steps.find((s) => s.stepId === id)!;
    const kg = await api.artifacts.dataset({ hash: datasetOf(r, "kg").hash, limit: 1 });
    expect(kg.schema.at(-1)).toEqual({ name: "mass_kg", type: "DOUBLE" });
    expect(step("warn").status).toBe("succeeded");
    const report = JSON.parse(
      (
        await api.artifacts.preview({
          hash: (step("warn").outputs as Record<string, { hash: string }>).report!.hash,
        })
      ).text,
    ) as { failed: number; checks: { check: string; ok: boolean; detail: string }[] };
    expect(report.checks.map((c) => [c.check, c.ok])).toEqual([
      ["column species", true],
      ["column mass_kg", true],
      ["column ghost", false],
      ["range mass_kg", false],
      ["nulls sex", false],
    ]);
    expect((step("warn").outputs as Record<string, { hash: string }>).dataset!.hash).toBe(
      datasetOf(r, "kg").hash,
    );
    expect(step("fail")).toMatchObject({ status: "failed", attempts: 1 });
    expect(step("fail").error).toMatch(
      /Validate data: 3 check\(s\) failed: column ghost \(missing\); range mass_kg \(\d+ of 344 rows outside \[3, 5\]\); nulls sex/,
    );
    expect(step("bad").error).toMatch(/Derived column "x": .*no_such_column/);
  });
});

describe("ingest.postgres with an encrypted saved connection", () => {
  let worker: WorkerProcess;
  const dbName = `ext_${crypto.randomUUID().replaceAll("-", "")}`;
  const PASSWORD = "S3cret-Reader-2026";
  const admin = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
  beforeAll(async () => {
    worker = await spawnWorkerProcess("pg-ingest-worker");
    await admin.unsafe(`create database ${dbName}`);
    const ext = postgres(inject("databaseUrl").replace(/\/[^/]+$/, `/${dbName}`), {
      max: 1,
      onnotice: () => {},
    });
    await ext.unsafe(`create table sales ("Order Id" bigint, region text, amount numeric(10,2), at timestamptz);
      insert into sales select i, case when i % 3 = 0 then null else 'r' || (i % 4) end, i * 1.5, '2026-01-01'::timestamptz + i * interval '1 hour' from generate_series(1, 12000) i`);
    await ext.unsafe(`do $$ begin if not exists (select from pg_roles where rolname = 'ingest_reader') then create role ingest_reader login password '${PASSWORD}'; end if; end $$;
      grant select, delete on sales to ingest_reader`);
    await ext.end();
  });
  afterAll(async () => {
    await worker.stop();
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  });

  it("stores the password encrypted, never returns it, reads rows read-only", async () => {
    const url = new URL(inject("databaseUrl"));
    const created = await api.connections.create({
      name: "warehouse",
      host: url.hostname,
      port: Number(url.port),
      database: dbName,
      user: "ingest_reader",
      password: PASSWORD,
    });
    expect(created).not.toHaveProperty("password");
    const listed = (await api.connections.list()).find((c) => c.name === "warehouse")!;
    expect(listed).toMatchObject({ hasPassword: true, database: dbName });
    expect(JSON.stringify(listed)).not.toContain(PASSWORD);
    const [stored] = await admin<
      { password_encrypted: string }[]
    >`select password_encrypted from connections where name = 'warehouse'`;
    expect(stored!.password_encrypted).toMatch(/^v1:/);
    expect(stored!.password_encrypted).not.toContain(PASSWORD);
    expect(await api.connections.test({ id: created.id })).toMatchObject({ ok: true });

    const r = await run(
      [
        {
          id: "q",
          type: "ingest.postgres",
          params: {
            connection: "warehouse",
            query: 'SELECT * FROM sales WHERE "Order Id" <= 10000',
          },
        },
        {
          id: "write",
          type: "ingest.postgres",
          params: { connection: "warehouse", query: "DELETE FROM sales RETURNING *" },
        },
        {
          id: "nobody",
          type: "ingest.postgres",
          params: { connection: "nope", query: "SELECT 1" },
        },
      ],
      [],
    );
    const step = (id: string) => r.steps.find((s) => s.stepId === id)!;
    expect([step("q").status, step("q").error]).toEqual(["succeeded", null]);
    const data = await api.artifacts.dataset({ hash: datasetOf(r, "q").hash, limit: 2 });
    expect(data.rowCount).toBe(10000);
    expect(data.schema.map((c) => c.name)).toEqual(["Order Id", "region", "amount", "at"]);
    expect(data.profile.find((c) => c.name === "region")!.nulls).toBe(3333);
    expect(step("write")).toMatchObject({ status: "failed", attempts: 1 });
    expect(step("write").error).toMatch(/read-only transaction/);
    expect(step("nobody").error).toMatch(/No connection named "nope"/);
    const ext = postgres(inject("databaseUrl").replace(/\/[^/]+$/, `/${dbName}`), {
      max: 1,
      onnotice: () => {},
    });
    const [{ n } = { n: 0 }] = await ext<{ n: number }[]>`select count(*)::int as n from sales`;
    await ext.end();
    expect(n).toBe(12000);
  });
});
