import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { callerAs } from "../people";
import { pipelineDoc, spawnWorkerProcess, tritonclient, type WorkerProcess } from "../helpers";
import { startServing, type Serving } from "../serving";
import { defaultArtifactStore } from "../../server/artifacts/default-store";
import { closeDb } from "../../server/db/client";
import { waitForRun } from "../../server/services/runs";
import { localScorers } from "../../server/serving/scorer";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { ensurePythonPackages } from "../../lib/sandbox/python-packages";
import { stopRowSteps } from "../../lib/data/row-steps";

const execFileAsync = promisify(execFile);
const api = callerAs("admin");

interface Case {
  file: string;
  label: string;
  split: Record<string, unknown>;
  /** Row steps between the file and the split, as an analyst adds them. */
  rowSteps: { type: string; params: Record<string, unknown> }[];
  /** What a client sends: the file's columns less the label and what no feature comes from. */
  inputs: string[];
  classifier: boolean;
  /** The date a row step reads: a client's bad date is named in a 400. */
  date: string;
}

/**
 * Three public files (examples/data/README.md), each with an analyst's pipeline: row steps, a
 * split that names the label and ids, fitted steps on their defaults, boosted trees, evaluate,
 * deploy. Then a client reads rows of the original file and calls both serving processes.
 */
const cases: Record<string, Case> = {
  cars: {
    file: "cars.csv",
    label: "Miles_per_Gallon",
    split: { label: "Miles_per_Gallon", ids: ["Name"], seed: 3 },
    rowSteps: [
      {
        type: "prep.derive",
        params: { column: "model_year", expression: 'year(CAST("Year" AS DATE))' },
      },
      { type: "prep.select", params: { mode: "drop", columns: ["Year"] } },
    ],
    // Not the name (an id), not the label; the date the model year is derived from.
    inputs: [
      "Cylinders",
      "Displacement",
      "Horsepower",
      "Weight_in_lbs",
      "Acceleration",
      "Year",
      "Origin",
    ],
    classifier: false,
    date: "Year",
  },
  weather: {
    file: "weather.csv",
    label: "weather",
    split: {
      label: "weather",
      ignored: ["date"],
      method: "stratified",
      column: "weather",
      seed: 3,
    },
    rowSteps: [
      { type: "prep.derive", params: { column: "month", expression: "month(date)" } },
      {
        type: "prep.sql",
        params: { sql: "SELECT *, temp_max - temp_min AS temp_range FROM input;" },
      },
    ],
    inputs: ["location", "date", "precipitation", "temp_max", "temp_min", "wind"],
    classifier: true,
    date: "date",
  },
  birdstrikes: {
    file: "birdstrikes.csv",
    label: "Speed IAS in knots",
    split: { label: "Speed IAS in knots", ignored: ["Flight Date"], seed: 3 },
    rowSteps: [
      {
        type: "prep.derive",
        params: { column: "flight year", expression: 'year("Flight Date")' },
      },
      {
        type: "prep.sql",
        params: { sql: 'SELECT *, "Cost Total $" > 0 AS costly FROM input' },
      },
      {
        type: "prep.select",
        params: { mode: "drop", columns: ["Cost Other", "Cost Repair"] },
      },
    ],
    inputs: [
      "Airport Name",
      "Aircraft Make Model",
      "Effect Amount of damage",
      "Flight Date",
      "Aircraft Airline Operator",
      "Origin State",
      "Phase of flight",
      "Wildlife Size",
      "Wildlife Species",
      "Time of day",
      "Cost Total $",
    ],
    classifier: false,
    date: "Flight Date",
  },
};

async function runCase(name: string, c: Case, endpoint: string) {
  const three = (a: string, b: string) =>
    ["train", "validation", "test"].map((p) => ({
      source: a,
      sourcePort: p,
      target: b,
      targetPort: p,
    }));
  const rowNodes = c.rowSteps.map((s, i) => ({ id: `row${i}`, ...s }));
  const chain = ["raw", ...rowNodes.map((n) => n.id), "split"];
  const nodes = [
    { id: "raw", type: "ingest.file", params: { path: `public/${c.file}` } },
    ...rowNodes,
    { id: "split", type: "prep.split", params: c.split },
    { id: "impute", type: "prep.impute", params: {} },
    { id: "encode", type: "prep.encode", params: {} },
    { id: "gbdt", type: "train.gbdt", params: { trees: 40, minDataInLeaf: 5 } },
    { id: "eval", type: "evaluate.model", params: {} },
    { id: "deploy", type: "deploy.endpoint", params: { endpoint, rateLimitPerMinute: 100_000 } },
  ];
  const edges = [
    ...chain.slice(1).map((target, i) => ({
      source: chain[i]!,
      sourcePort: "dataset",
      target,
      targetPort: "input",
    })),
    ...three("split", "impute"),
    ...three("impute", "encode"),
    { source: "encode", sourcePort: "train", target: "gbdt", targetPort: "train" },
    { source: "encode", sourcePort: "validation", target: "gbdt", targetPort: "validation" },
    { source: "gbdt", sourcePort: "model", target: "eval", targetPort: "model" },
    { source: "encode", sourcePort: "test", target: "eval", targetPort: "test" },
    { source: "gbdt", sourcePort: "model", target: "deploy", targetPort: "model" },
    { source: "split", sourcePort: "train", target: "deploy", targetPort: "reference" },
  ];
  const saved = await api.pipelines.save({
    document: pipelineDoc(`public ${name} ${crypto.randomUUID()}`, nodes, edges),
  });
  const started = await api.runs.start({ pipelineId: saved.pipelineId });
  await waitForRun(await getTemporalClient(), started.workflowId);
  const run = await api.runs.get({ runId: started.runId });
  expect(run.steps.filter((s) => s.error).map((s) => `${s.stepId}: ${s.error}`)).toEqual([]);
  expect(run.status).toBe("succeeded");
  return run;
}

/** Evaluate's predictions: each scored row's position in the file, and what it predicted. */
async function evaluated(hash: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "flowforge-public-"));
  try {
    const file = path.join(dir, "predictions.parquet");
    await defaultArtifactStore().downloadTo(hash, file);
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    const rows = (
      await c.runAndReadAll(`SELECT * FROM read_parquet('${file}') ORDER BY file_row`)
    ).getRowObjectsJson() as { file_row: string | number; predicted: string | number }[];
    c.closeSync();
    db.closeSync();
    return rows.map((r) => ({ row: Number(r.file_row), predicted: r.predicted }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface ClientAnswer {
  model: { inputs: { name: string; datatype: string; parameters: { column: string } }[] };
  predict: { label?: string; prediction?: number }[];
  binary: { label?: string[]; prediction?: number[] };
  json: { label?: string[]; prediction?: number[] };
}

describe("public datasets: a client sends rows of the original file", () => {
  let worker: WorkerProcess;
  let thread: Serving;
  let web: Serving;

  beforeAll(async () => {
    const files = path.join(inject("dataDir"), "files", "public");
    await mkdir(files, { recursive: true });
    for (const c of Object.values(cases))
      await copyFile(path.resolve("examples/data", c.file), path.join(files, c.file));
    worker = await spawnWorkerProcess("public-worker");
    thread = await startServing();
    web = await startServing(localScorers);
    await ensurePythonPackages({ ...tritonclient, log: () => undefined });
  }, 300_000);
  afterAll(async () => {
    await thread.stop();
    await web.stop();
    await worker.stop();
    stopRowSteps();
    await closeTemporalClient();
    await closeDb();
  });

  for (const [name, c] of Object.entries(cases))
    it(`${name}: the endpoint takes the file's columns and answers what Evaluate predicted`, async () => {
      const endpoint = `public-${name}-${crypto.randomUUID().slice(0, 6)}`;
      const run = await runCase(name, c, endpoint);
      const evalStep = run.steps.find((s) => s.stepId === "eval")!;
      const predictions = (evalStep.outputs as Record<string, { hash: string }>).predictions!;
      const scored = await evaluated(predictions.hash);
      expect(scored.length).toBeGreaterThan(50);

      const deployment = (await api.deployments.list()).find((d) => d.name === endpoint)!;
      const key = (await api.deployments.rotateKey({ deploymentId: deployment.id })).apiKey;
      for (const serving of [thread, web]) {
        await serving.state.refresh();
        await serving.state.refresh();
        expect(serving.state.get(endpoint)?.primary.version).toBe(1);
      }
      // A few hundred rows of the test split, as the file has them.
      const sample = scored.slice(0, 300);
      for (const serving of [thread, web]) {
        const { stdout } = await execFileAsync(
          "python3",
          [
            path.resolve("tests/integration/csv_client.py"),
            serving.base.replace(/^http:\/\//, ""),
            endpoint,
            key,
            path.resolve("examples/data", c.file),
            JSON.stringify(sample.map((s) => s.row)),
          ],
          {
            env: { ...process.env, PYTHONPATH: tritonclient.dir },
            timeout: 120_000,
            maxBuffer: 64 * 1024 * 1024,
          },
        );
        const got = JSON.parse(stdout) as ClientAnswer;
        // Exactly the file's columns a feature comes from, less the label and the ids.
        expect(got.model.inputs.map((i) => i.parameters.column)).toEqual(c.inputs);
        if (c.classifier) {
          const want = sample.map((s) => String(s.predicted));
          expect(got.predict.map((p) => p.label)).toEqual(want);
          expect(got.json.label).toEqual(want);
          expect(got.binary.label).toEqual(want);
        } else {
          const want = sample.map((s) => Number(s.predicted));
          const close = (values: number[]) =>
            values.forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 3));
          close(got.predict.map((p) => p.prediction!));
          close(got.json.prediction!);
          close(got.binary.prediction!);
        }
      }
      // A date no row step can read: a 400 that names the column, on both processes.
      const record = Object.fromEntries(c.inputs.map((n) => [n, null]));
      for (const base of [thread.base, web.base]) {
        const r = await fetch(`${base}/v2/models/${endpoint}/predict`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
          body: JSON.stringify({ records: [{ ...record, [c.date]: "next Tuesday" }] }),
        });
        expect(r.status).toBe(400);
        expect(((await r.json()) as { error: string }).error).toContain(`"${c.date}"`);
      }
    }, 300_000);
});
