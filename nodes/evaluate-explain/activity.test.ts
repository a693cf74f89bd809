import { describe, expect, it } from "vitest";
import { type FakeArtifact } from "../sdk/testing/fake-context";
import { useFakeSteps } from "../sdk/testing/steps";
import { trainGbdtActivity } from "../train-gbdt/activity";
import { trainLinearActivity } from "../train-linear/activity";
import { evaluateExplainActivity } from "./activity";

// The price follows the surface only; "étage" is noise the model should learn to ignore.
const flats = Array.from({ length: 40 }, (_, i) => ({
  "surface m²": 20 + ((i * 7) % 40),
  étage: (i * 13) % 5,
  price: 100 * (20 + ((i * 7) % 40)),
}));

const fake = useFakeSteps();

async function linearModel(): Promise<FakeArtifact> {
  const train = await fake({
    params: { label: "price", alpha: 0.0001 },
    inputs: { train: { rows: flats } },
  });
  return train.output((await trainLinearActivity.activity(train.ctx)).model);
}

type Importance = {
  metric: string;
  baseline: number;
  rows: number;
  importance: { column: string; importance: number; std: number }[];
};

describe("evaluate.explain", () => {
  it("ranks the input that matters first, by the drop in R² when it is shuffled", async () => {
    const model = await linearModel();
    const step = await fake({ params: { repeats: 3 }, inputs: { model, test: { rows: flats } } });
    const out = await evaluateExplainActivity.activity(step.ctx);
    const report = (await step.json(out.importance)) as Importance;
    expect(report.metric).toBe("r2");
    expect(report.rows).toBe(40);
    expect(report.baseline).toBeCloseTo(1, 6);
    expect(report.importance.map((i) => i.column)).toEqual(["surface m²", "étage"]);
    expect(report.importance[0]!.importance).toBeGreaterThan(1);
    expect(Math.abs(report.importance[1]!.importance)).toBeLessThan(1e-3);
    expect(step.progress).toEqual([
      { done: 1, total: 2, unit: "columns" },
      { done: 2, total: 2, unit: "columns" },
    ]);
  });

  it("uses accuracy for a classifier, on a seeded sample of maxRows rows", async () => {
    const rows = flats.map((f) => ({ ...f, dear: f.price > 4000 ? "yes" : "no" }));
    const train = await fake({
      params: {
        label: "dear",
        exclude: ["price"],
        trees: 10,
        minDataInLeaf: 2,
        earlyStoppingRounds: 0,
      },
      inputs: { train: { rows } },
    });
    const model = train.output((await trainGbdtActivity.activity(train.ctx)).model);
    const explain = async (seed: number) => {
      const step = await fake({
        params: { maxRows: 10, repeats: 2, seed },
        inputs: { model, test: { rows } },
      });
      return (await step.json(
        (await evaluateExplainActivity.activity(step.ctx)).importance,
      )) as Importance;
    };
    const report = await explain(5);
    expect(report).toMatchObject({ metric: "accuracy", rows: 10, baseline: 1 });
    expect(report.importance[0]!.column).toBe("surface m²");
    expect(await explain(5)).toEqual(report);
  });

  it("names the model inputs the rows lack", async () => {
    const model = await linearModel();
    const step = await fake({
      params: {},
      inputs: { model, test: { rows: flats.map(({ étage: _, ...rest }) => rest) } },
    });
    await expect(evaluateExplainActivity.activity(step.ctx)).rejects.toThrow(
      'Explain model: the dataset lacks "étage"',
    );
  });
});
