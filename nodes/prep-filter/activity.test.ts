import { afterEach, describe, expect, it } from "vitest";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { prepFilterActivity } from "./activity";

const rows = [
  { Espèce: "Adelie", "Body Mass (g)": 3750, sex: "male", "Date Egg": "2007-11-11" },
  { Espèce: "Adelie", "Body Mass (g)": 3200, sex: null, "Date Egg": "2007-11-16" },
  { Espèce: "Gentoo", "Body Mass (g)": null, sex: "female", "Date Egg": "2008-11-09" },
  { Espèce: "Chinstrap", "Body Mass (g)": 3500, sex: "female", "Date Egg": null },
];

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

const filter = async (params: Record<string, unknown>, metadata?: Record<string, unknown>) => {
  step = await fakeStep({ params, inputs: { input: { rows, metadata } } });
  const out = await prepFilterActivity.activity(step.ctx);
  return { out, rows: await step.rows(out.dataset) };
};
const species = (r: Record<string, unknown>[]) => r.map((x) => x["Espèce"]);

describe("prep.filter", () => {
  it("keeps rows meeting all conditions; missing values do not pass a comparison", async () => {
    const recorded = { raw: [{ name: "Espèce", type: "VARCHAR" }], steps: [{ op: "encode" }] };
    const { out, rows: kept } = await filter(
      {
        conditions: [
          { column: "Body Mass (g)", op: ">=", value: 3500 },
          { column: "Espèce", op: "!=", value: "Gentoo" },
          { column: "Date Egg", op: "<", value: "2008-01-01" },
        ],
      },
      { preprocessing: recorded },
    );
    expect(kept).toEqual([
      { Espèce: "Adelie", "Body Mass (g)": 3750, sex: "male", "Date Egg": "2007-11-11" },
    ]);
    // Filtering moves rows, not columns: the recorded preprocessing carries over as it was.
    expect(step!.output(out.dataset).metadata.preprocessing).toEqual(recorded);
  });

  it("keeps rows meeting any condition: in, contains, is null", async () => {
    const { rows: kept } = await filter({
      combine: "any",
      conditions: [
        { column: "Espèce", op: "in", value: ["Chinstrap", "Emperor"] },
        { column: "sex", op: "is null" },
        { column: "Espèce", op: "contains", value: "ent" },
      ],
    });
    expect(species(kept)).toEqual(["Adelie", "Gentoo", "Chinstrap"]);
    expect((await filter({})).rows).toHaveLength(4);
  });

  it("passes values as parameters, never as SQL", async () => {
    const { rows: kept } = await filter({
      conditions: [{ column: "Espèce", op: "=", value: "x' OR '1'='1" }],
    });
    expect(kept).toEqual([]);
  });

  it("names a column that does not exist, and a condition without its value", async () => {
    step = await fakeStep({
      params: { conditions: [{ column: "species", op: "=", value: "Adelie" }] },
      inputs: { input: { rows } },
    });
    await expect(prepFilterActivity.activity(step.ctx)).rejects.toThrow(
      'Filter rows: no column "species" in the input (columns: Espèce, Body Mass (g), sex, Date Egg)',
    );
    await step.dispose();
    step = await fakeStep({
      params: { conditions: [{ column: "Body Mass (g)", op: ">" }] },
      inputs: { input: { rows } },
    });
    await expect(prepFilterActivity.activity(step.ctx)).rejects.toThrow(
      'Filter rows: "Body Mass (g) >" needs one value',
    );
  });
});
