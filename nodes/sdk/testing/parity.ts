import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ColumnSchema } from "../../../lib/data/dataset";
import type { Preprocessing } from "../../../lib/data/preprocessing";
import { quoteIdent, quoteLiteral } from "../../../lib/data/sandbox";
import { loadTrainingData, type TrainingData } from "../../../lib/ml/data";
import { exportModel } from "../../../lib/ml/export";
import { readMetadata } from "../../../lib/ml/onnx/builder";
import { openSession } from "../../../lib/ml/ort";
import { runModel, type InputColumns } from "../../../lib/ml/scoring";
import { predictTrained, score } from "../../../lib/ml/train";
import type { ClassificationMetrics, RegressionMetrics } from "../../../lib/ml/metrics";
import { prepOnnx } from "../../activities";
import type { Trainer } from "../trainer";
import type { ScaleState } from "../../prep-scale/activity";

/**
 * The parity harness every trainer's parity test uses: the trainer against scikit-learn's equivalent on the same train/test files: the expected
 * figures come from fixtures/sklearn_expected.py (committed with its output). Every model is
 * scored through its exported ONNX file, which takes the raw columns and standardizes them itself,
 * and the exported model must agree with the TypeScript model to 1e-5.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, "fixtures");
export const expected = JSON.parse(
  readFileSync(path.join(fixtures, "sklearn-expected.json"), "utf8"),
) as Record<string, Record<string, Record<string, number>>>;

/** Accuracy and R² may trail scikit-learn's by at most this much on the test split. */
export const TOLERANCE = { accuracy: 0.03, r2: 0.05 };

let instance: DuckDBInstance;
let c: DuckDBConnection;

async function standardize(relation: string, label: string): Promise<ScaleState> {
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
  const steps: ScaleState[] = scaled ? [await standardize("raw_train", label)] : [];
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

/**
 * Trains on `name`'s train file (standardized first when `scaled`), exports with the recorded
 * scaling in front, checks the exported model against the TypeScript one to 1e-5 on the raw test
 * rows, and returns the exported model's test metrics.
 */
export async function parityCheck(
  trainer: Trainer,
  name: string,
  label: string,
  params: Record<string, unknown>,
  scaled: boolean,
): Promise<ClassificationMetrics | RegressionMetrics> {
  const { data, preprocessing } = await load(name, label, scaled);
  const { trained } = await trainer.fit(params, data, {});
  const { bytes, signature } = exportModel({
    name,
    preprocessing,
    features: data.features,
    task: data.task,
    label,
    classes: data.classes,
    model: trained,
    prepOnnx,
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

/** Opens the in-memory DuckDB the checks read the fixtures with; call once per test file. */
export function useParityDatabase() {
  beforeAll(async () => {
    instance = await DuckDBInstance.create(":memory:");
    c = await instance.connect();
  });
  afterAll(() => {
    c.closeSync();
    instance.closeSync();
  });
}

export type { ClassificationMetrics, RegressionMetrics };

export type Fixture = "breast-cancer" | "wine" | "diabetes";
const labels: Record<Fixture, string> = {
  "breast-cancer": "diagnosis",
  wine: "cultivar",
  diabetes: "progression",
};
/** The lowest test metrics a trainer must reach on each fixture it is checked on. */
export type Floors = Partial<Record<Fixture, { accuracy?: number; rocAuc?: number; r2?: number }>>;

/** Floors from scikit-learn's figures for its equivalent estimator, less the tolerance. */
export function sklearnFloors(estimator: string, fixtures: Fixture[]): Floors {
  return Object.fromEntries(
    fixtures.map((f) => {
      const sk = expected[f]![estimator]!;
      return [
        f,
        f === "diabetes"
          ? { r2: sk.r2! - TOLERANCE.r2 }
          : {
              accuracy: sk.accuracy! - TOLERANCE.accuracy,
              rocAuc: sk.rocAuc! - TOLERANCE.accuracy,
            },
      ];
    }),
  );
}

/**
 * A trainer's parity suite: on each fixture with a floor, the exported model equals the
 * TypeScript one to 1e-5 on the raw test rows and its test metrics reach the floor.
 */
export function describeParity(
  title: string,
  trainer: Trainer,
  options: {
    params: Record<string, unknown>;
    /** Standardize the features first (with the scaling recorded in front of the model). */
    scaled: boolean;
    floors: Floors;
    /** Params that differ on one fixture. */
    paramsFor?: Partial<Record<Fixture, Record<string, unknown>>>;
  },
) {
  describe(`${title}: exported model equal to the TypeScript one, metrics at their floor`, () => {
    useParityDatabase();
    const fixtures = Object.keys(options.floors) as Fixture[];
    it.each(fixtures)("%s", async (fixture) => {
      const params = { ...options.params, ...options.paramsFor?.[fixture] };
      const m = await parityCheck(trainer, fixture, labels[fixture], params, options.scaled);
      const floor = options.floors[fixture]!;
      if ("r2" in m) expect(m.r2).toBeGreaterThanOrEqual(floor.r2 ?? -Infinity);
      else {
        expect(m.accuracy).toBeGreaterThanOrEqual(floor.accuracy ?? 0);
        expect(m.rocAuc ?? 0).toBeGreaterThanOrEqual(floor.rocAuc ?? 0);
      }
    });
  });
}
