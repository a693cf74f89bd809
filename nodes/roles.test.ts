import { describe, expect, it } from "vitest";
import type { ModelMetadata } from "../lib/ml/model-metadata";
import { prepEncodeActivity } from "./prep-encode/activity";
import { prepImputeActivity } from "./prep-impute/activity";
import { prepScaleActivity } from "./prep-scale/activity";
import { prepSplitActivity } from "./prep-split/activity";
import { useFakeSteps } from "./sdk/testing/steps";
import { trainGbdtActivity } from "./train-gbdt/activity";
import { trainLinearActivity } from "./train-linear/activity";

const fake = useFakeSteps();

/** Used cars as a file has them: an id, a text category, gaps, and prices missing for some. */
const cars = Array.from({ length: 200 }, (_, i) => ({
  "Listing ID": 50_000 + i,
  make: ["Škoda", "Volvo", "Fiat", null][i % 4],
  year: 2005 + (i % 15),
  "mileage (km)": i % 9 === 0 ? null : 20_000 + ((i * 7919) % 180_000),
  price: i % 10 === 3 ? null : 3000 + 800 * (i % 15) - ((i * 7919) % 180_000) / 100,
}));

async function split(params: Record<string, unknown>) {
  const step = await fake({ params, inputs: { input: { rows: cars } } });
  const out = await prepSplitActivity.activity(step.ctx);
  return { step, out };
}

describe("column roles", () => {
  it("leave rows without a label out of every split, counted, and travel with the splits", async () => {
    const { step, out } = await split({ label: "price", ids: ["Listing ID"], seed: 3 });
    const rows = await Promise.all(["train", "validation", "test"].map((p) => step.rows(out[p])));
    expect(rows.flat()).toHaveLength(180);
    expect(rows.flat().every((r) => r.price !== null)).toBe(true);
    expect(step.logs).toContain('20 rows without a label ("price") left out of every split');
    expect(step.output(out.train).metadata.roles).toEqual({
      label: "price",
      ids: ["Listing ID"],
      ignored: [],
    });
  });

  it("keep fitted steps off the label and ids by default, and trainers take the label", async () => {
    const { step: s, out: splits } = await split({ label: "price", ids: ["Listing ID"], seed: 3 });
    const chain = async (
      impl: { activity: typeof prepImputeActivity.activity },
      params: Record<string, unknown>,
      inputs: Record<string, unknown>,
    ) => {
      const step = await fake({ params, inputs: inputs as never });
      return { step, out: await impl.activity(step.ctx) };
    };
    const imputed = await chain(
      prepImputeActivity,
      { strategy: "median" },
      {
        train: s.output(splits.train),
        validation: s.output(splits.validation),
      },
    );
    const fill = (await imputed.step.json(imputed.out.state)) as { fill: { column: string }[] };
    expect(fill.fill.map((f) => f.column)).toEqual(["year", "mileage (km)"]);
    const encoded = await chain(
      prepEncodeActivity,
      {},
      {
        train: imputed.step.output(imputed.out.train),
        validation: imputed.step.output(imputed.out.validation),
      },
    );
    const train = await fake({
      params: { trees: 20 },
      inputs: {
        train: encoded.step.output(encoded.out.train),
        validation: encoded.step.output(encoded.out.validation),
      },
    });
    const model = await trainGbdtActivity.activity(train.ctx);
    const meta = train.output(model.model).metadata as unknown as ModelMetadata;
    expect(meta.signature.label).toBe("price");
    expect(meta.signature.task).toBe("regression");
    // What a client sends: the file's columns less the label and the id.
    expect(meta.signature.inputs.map((i) => i.column)).toEqual(["make", "year", "mileage (km)"]);
    expect(meta.signature.features).not.toContain("price");
    expect(meta.signature.features).not.toContain("Listing ID");
  });

  it("never make the label a model input, even when a step named it", async () => {
    const { step: s, out: splits } = await split({ label: "price", ids: ["Listing ID"], seed: 3 });
    const scale = await fake({
      params: { columns: ["year", "price"] },
      inputs: { train: s.output(splits.train) },
    });
    const scaled = await prepScaleActivity.activity(scale.ctx);
    const train = await fake({
      params: { exclude: ["make", "mileage (km)"] },
      inputs: { train: scale.output(scaled.train) },
    });
    const model = await trainLinearActivity.activity(train.ctx);
    const meta = train.output(model.model).metadata as unknown as ModelMetadata;
    expect(meta.signature.inputs.map((i) => i.column)).toEqual(["year"]);
  });

  it("ask for a label when neither the trainer nor the split names one", async () => {
    const step = await fake({ params: {}, inputs: { train: { rows: cars } } });
    await expect(trainGbdtActivity.activity(step.ctx)).rejects.toThrow(
      /choose the label column, here or as the Split's label/,
    );
  });
});
