import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ColumnSchema } from "../data/dataset";
import type { PrepStep, Preprocessing } from "../data/preprocessing";
import { quoteIdent, quoteLiteral } from "../data/sandbox";
import { loadTrainingData, type TrainingData } from "./data";
import { exportModel } from "./export";
import { readMetadata } from "./onnx/builder";
import { openSession } from "./ort";
import { runModel, type InputColumns } from "./scoring";
import { fit, predictTrained, score, type Algorithm, type AlgorithmParams } from "./train";
import type { ClassificationMetrics, RegressionMetrics } from "./metrics";

/**
 * Each trainer against scikit-learn's equivalent on the same train/test files: the expected
 * figures come from fixtures/sklearn_expected.py (committed with its output). Every model is
 * scored through its exported ONNX file, which takes the raw columns and standardizes them itself,
 * and the exported model must agree with the TypeScript model to 1e-5.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, "fixtures");
const expected = JSON.parse(
  readFileSync(path.join(fixtures, "sklearn-expected.json"), "utf8"),
) as Record<string, Record<string, Record<string, number>>>;

/** Accuracy and R² may trail scikit-learn's by at most this much on the test split. */
const TOLERANCE = { accuracy: 0.03, r2: 0.05 };

const classifierParams = {
  logistic: {
    l2: 1 / 400,
    learningRate: 0.05,
    epochs: 300,
    batchSize: 1024,
    earlyStoppingRounds: 0,
    seed: 7,
  },
  mlp: {
    hidden: [64],
    l2: 0.0001,
    learningRate: 0.001,
    epochs: 200,
    batchSize: 200,
    earlyStoppingRounds: 0,
    seed: 7,
  },
  gbdt: {
    trees: 100,
    learningRate: 0.1,
    maxLeaves: 31,
    maxDepth: -1,
    minDataInLeaf: 20,
    minSumHessianInLeaf: 0.001,
    lambda: 0,
    maxBins: 255,
    featureFraction: 1,
    earlyStoppingRounds: 0,
    seed: 7,
  },
} satisfies Partial<{ [A in Algorithm]: AlgorithmParams[A] }>;

let instance: DuckDBInstance;
let c: DuckDBConnection;

async function standardize(relation: string, label: string): Promise<PrepStep> {
  const cols = (await c.runAndReadAll(`DESCRIBE ${relation}`)).getRowObjects();
  const columns = [];
  for (const col of cols) {
    const name = String(col.column_name);
    if (name === label) continue;
    const [s] = (
      await c.runAndReadAll(
        `SELECT avg(${quoteIdent(name)})::DOUBLE AS m, stddev_pop(${quoteIdent(name)})::DOUBLE AS sd FROM ${relation}`,
      )
    ).getRowObjects();
    columns.push({ column: name, offset: Number(s?.m), scale: Number(s?.sd) || 1 });
  }
  return { op: "scale", method: "standard", columns };
}

async function load(name: string, label: string, scaled: boolean) {
  for (const part of ["train", "test"]) {
    const file = path.join(fixtures, `${name}-${part}.csv`);
    await c.run(
      `CREATE OR REPLACE TABLE raw_${part} AS SELECT * FROM read_csv(${quoteLiteral(file)})`,
    );
  }
  const raw: ColumnSchema[] = (await c.runAndReadAll("DESCRIBE raw_train"))
    .getRowObjects()
    .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const steps: PrepStep[] = scaled ? [await standardize("raw_train", label)] : [];
  for (const part of ["train", "test"]) {
    const select = raw
      .map((col) => {
        const s =
          steps[0]?.op === "scale"
            ? steps[0].columns.find((x) => x.column === col.name)
            : undefined;
        const q = quoteIdent(col.name);
        return s ? `(${q}::DOUBLE - ${s.offset}) / ${s.scale} AS ${q}` : q;
      })
      .join(", ");
    await c.run(
      `CREATE OR REPLACE VIEW ${part === "train" ? "train" : "validation"} AS SELECT ${select} FROM raw_${part}`,
    );
  }
  const data = await loadTrainingData(c, {
    label,
    task: label === "progression" ? "regression" : "classification",
    exclude: [],
    validation: true,
    what: name,
  });
  const preprocessing: Preprocessing = { raw, steps };
  return { data, preprocessing };
}

async function rawTest(data: TrainingData, sig: ReturnType<typeof exportModel>["signature"]) {
  const inputs: InputColumns = {};
  for (const input of sig.inputs) {
    const rows = (
      await c.runAndReadAll(`SELECT ${quoteIdent(input.column)}::DOUBLE AS v FROM raw_test`)
    ).getRowObjects();
    inputs[input.name] = Float64Array.from(rows, (r) => Number(r.v));
  }
  expect(data.validation!.X.rows).toBe((inputs[sig.inputs[0]!.name] as Float64Array).length);
  return inputs;
}

async function check(
  name: string,
  label: string,
  algorithm: Algorithm,
  params: AlgorithmParams[Algorithm],
) {
  const { data, preprocessing } = await load(name, label, algorithm !== "gbdt");
  const { trained } = await fit(algorithm, params as never, data);
  const { bytes, signature } = exportModel({
    name,
    preprocessing,
    features: data.features,
    task: data.task,
    label,
    classes: data.classes,
    model: trained,
  });
  expect(JSON.parse(readMetadata(bytes)["flowforge.signature"]!)).toEqual(
    JSON.parse(JSON.stringify(signature)),
  );
  const { session } = await openSession(bytes);
  const onnx = await runModel(
    session,
    signature,
    await rawTest(data, signature),
    data.validation!.X.rows,
  );
  await session.release();
  const ts = predictTrained(trained, data.validation!.X, data.task);
  expect(onnx.length).toBe(ts.length);
  let worst = 0;
  for (let i = 0; i < ts.length; i++)
    worst = Math.max(worst, Math.abs(onnx[i]! - ts[i]!) / Math.max(1, Math.abs(ts[i]!)));
  expect(worst).toBeLessThan(1e-5);
  return score(data.task, data.classes, data.validation!.y, onnx);
}

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  c = await instance.connect();
});
afterAll(() => {
  c.closeSync();
  instance.closeSync();
});

describe.each([
  ["breast-cancer", "diagnosis"],
  ["wine", "cultivar"],
])("classifiers on %s against scikit-learn", (name, label) => {
  it.each(["logistic", "gbdt", "mlp"] as const)("%s", async (algorithm) => {
    const m = (await check(
      name,
      label,
      algorithm,
      classifierParams[algorithm],
    )) as ClassificationMetrics;
    const sk = expected[name]![algorithm]!;
    expect(m.accuracy).toBeGreaterThanOrEqual(sk.accuracy! - TOLERANCE.accuracy);
    expect(m.rocAuc!).toBeGreaterThanOrEqual(sk.rocAuc! - TOLERANCE.accuracy);
  });
});

describe("regressors on diabetes against scikit-learn", () => {
  it.each([
    ["linear", { alpha: 1 }],
    ["gbdt", classifierParams.gbdt],
    ["mlp", { ...classifierParams.mlp, learningRate: 0.01, epochs: 500 }],
  ] as const)("%s", async (algorithm, params) => {
    const m = (await check("diabetes", "progression", algorithm, params)) as RegressionMetrics;
    const sk = expected.diabetes![algorithm]!;
    expect(m.r2).toBeGreaterThanOrEqual(sk.r2! - TOLERANCE.r2);
  });
});
