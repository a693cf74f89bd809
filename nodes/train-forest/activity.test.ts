import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { ModelMetadata } from "../../lib/ml/model-metadata";
import { openSession } from "../../lib/ml/ort";
import { runModel } from "../../lib/ml/scoring";
import { trainers } from "../activities";
import { nodeDefinitions } from "../index";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { trainForestActivity } from "./activity";

// Churn when usage is low; `tenure` is missing in one training row and one validation row.
const rows = (n: number, offset: number) =>
  Array.from({ length: n }, (_, i) => {
    const usage = ((i * 37 + offset) % 100) / 10;
    return {
      usage,
      tenure: i === 3 ? null : (i * 13 + offset) % 24,
      churn: usage < 4 ? "yes" : "no",
    };
  });

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

describe("train.forest", () => {
  it("trains, scores, exports and tracks a classifier", async () => {
    step = await fakeStep({
      params: { label: "churn", trees: 12 },
      inputs: { train: { rows: rows(60, 1) }, validation: { rows: rows(20, 5) } },
    });
    const out = await trainForestActivity.activity(step.ctx);
    const model = step.output(out.model);
    expect(model.kind).toBe("model");
    const meta = model.metadata as unknown as ModelMetadata;
    expect(meta.algorithm).toBe("forest");
    expect(meta.bestIteration).toBe(12);
    expect(meta.signature).toMatchObject({
      task: "binary",
      label: "churn",
      classes: ["no", "yes"],
    });
    expect(meta.metrics.validation).toMatchObject({ accuracy: expect.any(Number) as number });
    expect((meta.metrics.validation as { accuracy: number }).accuracy).toBeGreaterThan(0.9);

    expect(step.output(out.metrics).kind).toBe("metrics");
    const report = (await step.json(out.metrics)) as {
      algorithm: string;
      curve: { iteration: number; train: number; validation?: number }[];
      importance: { feature: string; gain: number; splits: number }[];
    };
    expect(report.algorithm).toBe("forest");
    expect(report.curve).toHaveLength(12);
    expect(
      report.curve.every((p) => Number.isFinite(p.train) && Number.isFinite(p.validation)),
    ).toBe(true);
    expect(report.importance.map((i) => i.feature)).toEqual(["usage", "tenure"]);
    expect(report.importance[0]!.gain).toBeGreaterThan(report.importance[1]!.gain);

    expect(step.tracked).toHaveLength(1);
    expect(step.tracked[0]).toMatchObject({ algorithm: "forest", modelHash: model.hash });
    expect(step.progress.at(-1)).toEqual({ done: 12, total: 12, unit: "trees" });

    // The exported file scores raw columns, a missing value included.
    const { session } = await openSession(await readFile(model.file));
    const inputs = Object.fromEntries(
      meta.signature.inputs.map((i) => [
        i.name,
        Float64Array.from(i.column === "usage" ? [1, 9] : [NaN, 5]),
      ]),
    );
    const p = await runModel(session, meta.signature, inputs, 2);
    await session.release();
    expect(p[0]! + p[1]!).toBeCloseTo(1, 5);
    expect(p[1]).toBeGreaterThan(0.5); // low usage: churn "yes"
    expect(p[2]).toBeGreaterThan(0.5); // high usage: "no"
  });

  it("regresses a number", async () => {
    const data = Array.from({ length: 50 }, (_, i) => ({ x: i / 10, y: (i / 10) * 2.5 + 1 }));
    step = await fakeStep({
      params: { label: "y", task: "regression", trees: 8, bootstrap: false, maxFeatures: "all" },
      inputs: { train: { rows: data } },
    });
    const out = await trainForestActivity.activity(step.ctx);
    const meta = step.output(out.model).metadata as unknown as ModelMetadata;
    expect(meta.signature.task).toBe("regression");
    expect((meta.metrics.train as { r2: number }).r2).toBeGreaterThan(0.99);
  });

  it("says which label column is missing", async () => {
    step = await fakeStep({
      params: { label: "churned" },
      inputs: { train: { rows: rows(10, 1) } },
    });
    await expect(trainForestActivity.activity(step.ctx)).rejects.toThrow(
      /Random forest: no column "churned" in the input \(columns: usage, tenure, churn\)/,
    );
  });

  it("is offered by tune", () => {
    const tune = nodeDefinitions["tune.search"].params.parse({ algorithm: "forest", label: "y" });
    expect(tune).toMatchObject({ algorithm: "forest" });
    expect(trainers.forest?.unit).toBe("trees");
  });
});
