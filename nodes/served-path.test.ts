import { readFile } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { stopRowSteps } from "../lib/data/row-steps";
import type { ModelMetadata } from "../lib/ml/model-metadata";
import { openSession } from "../lib/ml/ort";
import { runModel } from "../lib/ml/scoring";
import { localScorers, openScorer } from "../server/serving/scorer";
import { evaluateModelActivity } from "./evaluate-model/activity";
import { prepDeriveActivity } from "./prep-derive/activity";
import { prepEncodeActivity } from "./prep-encode/activity";
import { prepFilterActivity } from "./prep-filter/activity";
import { prepImputeActivity } from "./prep-impute/activity";
import { prepSelectActivity } from "./prep-select/activity";
import { prepSplitActivity } from "./prep-split/activity";
import { prepSqlActivity } from "./prep-sql/activity";
import type { FakeArtifact, FakeStep } from "./sdk/testing/fake-context";
import { useFakeSteps } from "./sdk/testing/steps";
import { trainGbdtActivity } from "./train-gbdt/activity";

const fake = useFakeSteps();
afterAll(() => stopRowSteps());

/** A file as people have them: an id, a name, a date, a text category, gaps, a label missing for some. */
const file = Array.from({ length: 240 }, (_, i) => ({
  "Car ID": 9000 + i,
  Name: `car ${i}`,
  "Sold on": `20${10 + (i % 12)}-0${1 + (i % 9)}-1${i % 10}`,
  Origin: ["USA", "Europe", "Japan", null][i % 4],
  Horsepower: i % 11 === 0 ? null : 60 + ((i * 37) % 150),
  "Miles per gallon": i % 13 === 5 ? null : 45 - ((i * 37) % 150) / 6 + (i % 12) / 2,
}));

/** Rows of the file as a client sends them: the model's inputs, by input name. */
const clientColumns = (sig: ModelMetadata["signature"], rows: typeof file) =>
  Object.fromEntries(
    sig.inputs.map((i) => [
      i.name,
      i.type === "string"
        ? rows.map((r) => String(r[i.column as keyof typeof r] ?? ""))
        : Float64Array.from(rows, (r) => Number(r[i.column as keyof typeof r] ?? NaN)),
    ]),
  );

type Impl = { activity(ctx: never): Promise<Record<string, FakeArtifact>> };

async function step(
  impl: Impl,
  params: Record<string, unknown>,
  inputs: Record<string, unknown>,
): Promise<{ s: FakeStep<unknown>; out: Record<string, FakeArtifact> }> {
  const s = await fake({ params, inputs: inputs as never });
  return { s, out: await impl.activity(s.ctx as never) };
}

/** ingest → [row steps] → split → impute → encode → boosted trees → evaluate. */
async function pipeline(
  rowSteps: [Impl, Record<string, unknown>][],
  testFrom: "split" | "encode" = "encode",
) {
  let data: unknown = { rows: file };
  for (const [impl, params] of rowSteps) {
    const r = await step(impl, params, { input: data });
    data = r.s.output(r.out.dataset);
  }
  const split = await step(
    prepSplitActivity as unknown as Impl,
    { label: "Miles per gallon", ids: ["Car ID"], seed: 5, validation: 0.2, test: 0.25 },
    { input: data },
  );
  const outOf = (
    r: { s: FakeStep<unknown>; out: Record<string, FakeArtifact> },
    ...ports: string[]
  ) => Object.fromEntries(ports.map((p) => [p, r.s.output(r.out[p])]));
  const imputed = await step(
    prepImputeActivity as unknown as Impl,
    {},
    outOf(split, "train", "validation", "test"),
  );
  const encoded = await step(
    prepEncodeActivity as unknown as Impl,
    {},
    outOf(imputed, "train", "validation", "test"),
  );
  const trained = await step(
    trainGbdtActivity as unknown as Impl,
    { trees: 30 },
    outOf(encoded, "train", "validation"),
  );
  const model = trained.s.output(trained.out.model);
  const evaluated = await step(
    evaluateModelActivity as unknown as Impl,
    // The id is no input of the model; kept, each prediction says which car it is.
    { keepColumns: ["Car ID"] },
    {
      model,
      test: (testFrom === "split" ? split : encoded).s.output(
        (testFrom === "split" ? split : encoded).out.test,
      ),
    },
  );
  return { split, trained, model, evaluated };
}

const derive: [Impl, Record<string, unknown>] = [
  prepDeriveActivity as unknown as Impl,
  { column: "year", expression: 'year(CAST("Sold on" AS DATE))' },
];
const select: [Impl, Record<string, unknown>] = [
  prepSelectActivity as unknown as Impl,
  { mode: "drop", columns: ["Name", "Sold on"], rename: { Origin: "origin" } },
];

describe("the served path", () => {
  it("takes the file's columns: row steps run before the graph, at evaluation as at serving", async () => {
    const { split, model, evaluated } = await pipeline([derive, select]);
    const meta = model.metadata as unknown as ModelMetadata;
    const sig = meta.signature;
    // What a client has: the file's columns less the label and the id; not the derived year.
    expect(sig.inputs.map((i) => i.column)).toEqual(["Sold on", "Origin", "Horsepower"]);
    expect(sig.inputs.find((i) => i.column === "Sold on")).toMatchObject({
      type: "string",
      sourceType: "DATE",
    });
    expect(sig.transform?.graphInputs.map((i) => i.column).sort()).toEqual(
      ["Horsepower", "origin", "year"].sort(),
    );
    expect(split.s.logs.join("\n")).not.toMatch(/score the split's rows/);
    expect(evaluated.s.logs.join("\n")).toMatch(
      /scored \d+ rows of the file through the endpoint's path/,
    );

    // A client's rows: straight from the file, without the label and the id.
    const rows = file.slice(0, 40);
    const columns = clientColumns(sig, rows);
    const bytes = await readFile(model.file);
    const scorer = await openScorer(localScorers, bytes, sig);
    const served = await scorer.run(rows.length, columns);
    await scorer.release();
    const { session } = await openSession(bytes, { threads: 1 });
    const evaluatedPath = await runModel(session, sig, columns, rows.length);
    await session.release();
    expect(Array.from(served.prediction!)).toEqual(
      Array.from(evaluatedPath, (x) => Math.fround(x)),
    );
    // Evaluate's predictions are the endpoint's answers for the same rows of the file.
    const scoredRows = await evaluated.s.rows(evaluated.out.predictions);
    expect(scoredRows.length).toBeGreaterThan(30);
    const picked = scoredRows.map((r) => file[Number(r.file_row)]!);
    const pickedColumns = clientColumns(sig, picked);
    const endpoint = await openScorer(localScorers, bytes, sig);
    const answers = await endpoint.run(picked.length, pickedColumns);
    await endpoint.release();
    // Equal up to float32 summation order (onnxruntime's threads and batch sizes).
    Array.from(answers.prediction!).forEach((answer, k) =>
      expect(answer).toBeCloseTo(Number(scoredRows[k]!.predicted), 4),
    );
    expect(scoredRows.map((r) => r.actual)).toEqual(picked.map((r) => r["Miles per gallon"]));
    expect(scoredRows.map((r) => r["Car ID"])).toEqual(picked.map((r) => r["Car ID"]));
    // The derived year matters to the model: a wrong date changes the answer, a bad one is named.
    expect(new Set(Array.from(served.prediction!)).size).toBeGreaterThan(5);
    const bad = { ...columns, [sig.inputs[0]!.name]: rows.map(() => "not a date") };
    const again = await openScorer(localScorers, bytes, sig);
    await expect(again.run(rows.length, bad)).rejects.toThrow(/inputs: .*year|Sold on|date/i);
    await again.release();
  });

  it("names a step that cannot run per request, and starts the endpoint after it", async () => {
    const grouped: [Impl, Record<string, unknown>] = [
      prepSqlActivity as unknown as Impl,
      { sql: 'SELECT *, avg("Horsepower") OVER (PARTITION BY "Origin") AS hp_origin FROM input' },
    ];
    const { model, trained } = await pipeline([derive, grouped, select]);
    const sig = (model.metadata as unknown as ModelMetadata).signature;
    expect(sig.transform).toBeUndefined();
    expect(sig.startsAfter).toMatch(/^SQL ".*" \(a window function\)$/);
    expect(sig.inputs.map((i) => i.column)).toContain("hp_origin");
    expect(sig.inputs.map((i) => i.column)).not.toContain("Sold on");
    expect(trained.s.logs.length).toBeGreaterThan(0);
  });

  it("serves row steps after a filter, and says evaluation scored the split's rows", async () => {
    const filter: [Impl, Record<string, unknown>] = [
      prepFilterActivity as unknown as Impl,
      { conditions: [{ column: "Horsepower", op: "is not null" }] },
    ];
    const { split, model, evaluated } = await pipeline([derive, filter, select], "split");
    const sig = (model.metadata as unknown as ModelMetadata).signature;
    expect(sig.transform?.steps.map((s) => s.op)).toEqual(["derive", "select"]);
    expect(split.s.logs.join("\n")).toMatch(/Filter rows drops rows/);
    expect(evaluated.s.logs.join("\n")).toMatch(/graph alone.*Derived column "year"/);
  });
});
