import { afterEach, describe, expect, it } from "vitest";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { ingestSampleActivity } from "./activity";

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

type Meta = {
  rows: number;
  schema: { name: string; type: string }[];
  profile?: { name?: string; column?: string }[];
};

describe("ingest.sample", () => {
  it("reads the tidy penguins by default, with their missing values", async () => {
    step = await fakeStep({ params: {} });
    const out = await ingestSampleActivity.activity(step.ctx);
    const meta = step.output(out.dataset).metadata as Meta;
    expect(meta.rows).toBe(344);
    expect(meta.schema.map((c) => c.name)).toEqual([
      "species",
      "island",
      "bill_length_mm",
      "bill_depth_mm",
      "flipper_length_mm",
      "body_mass_g",
      "sex",
      "year",
    ]);
    expect(meta.profile).toHaveLength(8);
    const rows = await step.rows(out.dataset);
    expect(rows[0]).toEqual({
      species: "Adelie",
      island: "Torgersen",
      bill_length_mm: 39.1,
      bill_depth_mm: 18.7,
      flipper_length_mm: 181,
      body_mass_g: 3750,
      sex: "male",
      year: 2007,
    });
    // The file's "NA" cells are missing, not text.
    expect(rows[3]).toMatchObject({ species: "Adelie", body_mass_g: null, sex: null });
    expect(new Set(rows.map((r) => r.species))).toEqual(new Set(["Adelie", "Chinstrap", "Gentoo"]));
  });

  it("reads the raw penguins with their odd column names and dates", async () => {
    step = await fakeStep({ params: { dataset: "penguins-raw" } });
    const out = await ingestSampleActivity.activity(step.ctx);
    const meta = step.output(out.dataset).metadata as Meta;
    expect(meta.rows).toBe(344);
    expect(meta.schema).toHaveLength(17);
    expect(meta.schema).toContainEqual({ name: "Date Egg", type: "DATE" });
    expect(meta.schema).toContainEqual({ name: "Body Mass (g)", type: "BIGINT" });
    const [first] = await step.rows(out.dataset);
    expect(first).toMatchObject({
      "Sample Number": 1,
      "Culmen Length (mm)": 39.1,
      "Date Egg": "2007-11-11",
      "Delta 15 N (o/oo)": null,
      Stage: "Adult, 1 Egg Stage",
    });
  });

  it("refuses a dataset it does not have, naming the param", async () => {
    step = await fakeStep({ params: { dataset: "iris" } });
    // Params are parsed before the run: a bad one throws at once (wrapped to await it).
    const ctx = step.ctx;
    await expect((async () => ingestSampleActivity.activity(ctx))()).rejects.toMatchObject({
      issues: [{ path: ["dataset"], message: expect.stringContaining("penguins-raw") as string }],
    });
  });
});
