import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createCaller } from "../../server/api/root";
import { createContext } from "../../server/api/trpc";
import { closeDb } from "../../server/db/client";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, spawnWorkerProcess, type WorkerProcess } from "../helpers";

const api = createCaller(createContext());

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

    const scaled = await preview("scale", "train");
    const bill = scaled.profile.find((c) => c.name === "bill_length_mm")!;
    expect(bill.mean!).toBeCloseTo(0, 9);
    expect(bill.std!).toBeCloseTo(1, 1);
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
    expect(step("ragged").error).toMatch(/ragged\.csv: cannot read it as CSV \(line 3, column c/);
    expect(step("escape").error).toMatch(/may not contain "\.\."/);
    expect(step("absolute").error).toMatch(/must be relative to the data directory/);
  });
});
