import { describe, expect, it } from "vitest";
import { encodedLinearModel, useFakeSteps } from "../sdk/testing/steps";
import { trainGbdtActivity } from "../train-gbdt/activity";
import { evaluateModelActivity } from "./activity";

// Flats: the price is exactly 100 per m² plus 500 on Biscoe, so a linear model fits it exactly.
const islands = ["Biscoe", "Dream", "Torgersen"];
const flats = Array.from({ length: 30 }, (_, i) => ({
  Île: islands[i % 3]!,
  "surface m²": 10 + i,
  price: 100 * (10 + i) + (i % 3 === 0 ? 500 : 0),
}));

const fake = useFakeSteps();

const linearModel = () => encodedLinearModel(fake, flats, "price");

describe("evaluate.model", () => {
  it("scores a regression model on raw rows through onnxruntime, leaving out unlabelled rows", async () => {
    const model = await linearModel();
    const test = [
      { Île: "Biscoe", "surface m²": 50, price: 5500 },
      { Île: "Dream", "surface m²": 12, price: 1200 },
      { Île: "Torgersen", "surface m²": 20, price: 2100 },
      { Île: "Dream", "surface m²": 30, price: null },
    ];
    const step = await fake({ params: {}, inputs: { model, test: { rows: test } } });
    const out = await evaluateModelActivity.activity(step.ctx);
    const metrics = (await step.json(out.metrics)) as {
      task: string;
      test: { rows: number; rmse: number; mae: number; r2: number; residuals: unknown[] };
    };
    expect(metrics.task).toBe("regression");
    expect(metrics.test.rows).toBe(3);
    // Two exact predictions and one 100 off.
    expect(metrics.test.mae).toBeCloseTo(100 / 3, 1);
    expect(metrics.test.rmse).toBeCloseTo(Math.sqrt(10_000 / 3), 1);
    expect(metrics.test.residuals).toHaveLength(3);
    expect(step.logs).toEqual([
      "1 rows with a missing or unknown label left out",
      "scored 3 rows with onnxruntime (cpu)",
    ]);
    expect(step.tracked).toEqual([
      expect.objectContaining({
        algorithm: "evaluate:linear",
        modelHash: model.hash,
        metrics: { test: metrics.test },
        provider: "cpu",
      }),
    ]);
  });

  it("scores a classifier: accuracy, confusion matrix; unknown classes left out", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      x: i,
      "poids kg": i % 4 === 0 ? null : i % 2,
      label: i >= 20 ? "yes" : "no",
    }));
    const train = await fake({
      params: { label: "label", trees: 20, minDataInLeaf: 2, earlyStoppingRounds: 0 },
      inputs: { train: { rows } },
    });
    const model = train.output((await trainGbdtActivity.activity(train.ctx)).model);
    const test = [
      { x: 3, "poids kg": null, label: "no" },
      { x: 35, "poids kg": 1, label: "yes" },
      { x: 38, "poids kg": 0, label: "yes" },
      { x: 30, "poids kg": 0, label: "maybe" },
    ];
    const step = await fake({ params: {}, inputs: { model, test: { rows: test } } });
    const out = await evaluateModelActivity.activity(step.ctx);
    expect(await step.json(out.metrics)).toMatchObject({
      task: "binary",
      test: {
        rows: 3,
        accuracy: 1,
        confusion: {
          classes: ["no", "yes"],
          matrix: [
            [1, 0],
            [0, 2],
          ],
        },
      },
    });
  });

  it("keeps the model's inputs and the columns asked for beside each prediction", async () => {
    const model = await linearModel();
    const test = [
      { Île: "Biscoe", "surface m²": 50, price: 5500, "site d'étude": "nord", âge: 3 },
      { Île: "Dream", "surface m²": 12, price: 1200, "site d'étude": null, âge: 7 },
      { Île: "Dream", "surface m²": 30, price: null, "site d'étude": "sud", âge: 1 },
      { Île: "Torgersen", "surface m²": 20, price: 2100, "site d'étude": "sud", âge: null },
    ];
    const step = await fake({
      params: { keepColumns: ["site d'étude", "âge"] },
      inputs: { model, test: { rows: test } },
    });
    const out = await evaluateModelActivity.activity(step.ctx);
    const rows = await step.rows(out.predictions);
    expect(rows.map((r) => [r.Île, r["surface m²"], r["site d'étude"], r.âge])).toEqual([
      ["Biscoe", 50, "nord", 3],
      ["Dream", 12, null, 7],
      ["Torgersen", 20, "sud", null],
    ]);
    expect(rows.map((r) => r.actual)).toEqual([5500, 1200, 2100]);

    const unknown = await fake({
      params: { keepColumns: ["région"] },
      inputs: { model, test: { rows: test } },
    });
    await expect(evaluateModelActivity.activity(unknown.ctx)).rejects.toThrow(
      'Evaluate model: the dataset has no column "région" to keep',
    );
  });

  it("names the model inputs the test rows lack", async () => {
    const model = await linearModel();
    const step = await fake({
      params: {},
      inputs: { model, test: { rows: [{ "Île=Biscoe": 1, "surface m²": 12, price: 1 }] } },
    });
    await expect(evaluateModelActivity.activity(step.ctx)).rejects.toThrow(
      'Evaluate model: the dataset lacks "Île". The model takes raw rows',
    );
  });

  it("refuses a model input that is not a trained model", async () => {
    const step = await fake({
      params: {},
      inputs: { model: { rows: flats }, test: { rows: flats } },
    });
    await expect(evaluateModelActivity.activity(step.ctx)).rejects.toThrow(
      'Evaluate model: the "model" input is not a trained model',
    );
  });
});
