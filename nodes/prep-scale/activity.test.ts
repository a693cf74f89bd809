import { afterEach, describe, expect, it } from "vitest";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { prepScaleActivity } from "./activity";

const train = [
  { "Body Mass (g)": 3000, année: 2007, species: "Adelie", flag: 5 },
  { "Body Mass (g)": 4000, année: 2008, species: "Gentoo", flag: 5 },
  { "Body Mass (g)": 5000, année: 2009, species: "Adelie", flag: 5 },
  { "Body Mass (g)": null, année: 2009, species: "Gentoo", flag: 5 },
];
const test = [
  { "Body Mass (g)": 6000, année: 2010, species: "Adelie", flag: 7 },
  { "Body Mass (g)": null, année: 2007, species: null, flag: 5 },
];

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

type Recorded = { steps: { op: string }[] };
const column = (rows: Record<string, unknown>[], name: string) => rows.map((r) => r[name]);

describe("prep.scale", () => {
  it("standardizes numeric columns with train's mean and std, on every split", async () => {
    step = await fakeStep({
      params: { exclude: ["année"] },
      inputs: { train: { rows: train }, test: { rows: test } },
    });
    const out = await prepScaleActivity.activity(step.ctx);
    const sd = Math.sqrt(2_000_000 / 3);
    const mass = column(await step.rows(out.train), "Body Mass (g)") as (number | null)[];
    expect(mass[0]).toBeCloseTo(-1000 / sd, 10);
    expect(mass[1]).toBeCloseTo(0, 10);
    expect(mass[3]).toBeNull();
    const testRows = await step.rows(out.test);
    // Test rows use train's statistics, not their own.
    expect(testRows[0]!["Body Mass (g)"] as number).toBeCloseTo(2000 / sd, 10);
    // Excluded and text columns stay; a constant column scales by 1.
    expect(column(testRows, "année")).toEqual([2010, 2007]);
    expect(column(testRows, "species")).toEqual(["Adelie", null]);
    expect(column(testRows, "flag")).toEqual([2, 0]);
    const state = (await step.json(out.state)) as { columns: unknown[] };
    expect(state).toMatchObject({
      op: "scale",
      method: "standard",
      columns: [
        { column: "Body Mass (g)", offset: 4000, scale: expect.closeTo(sd, 6) as number },
        { column: "flag", offset: 5, scale: 1 },
      ],
    });
    const recorded = step.output(out.test).metadata.preprocessing as Recorded;
    expect(recorded.steps).toEqual([state]);
  });

  it("min-max scales the named columns into [0, 1] on train", async () => {
    step = await fakeStep({
      params: { method: "minmax", columns: ["année"] },
      inputs: { train: { rows: train }, validation: { rows: test } },
    });
    const out = await prepScaleActivity.activity(step.ctx);
    expect(column(await step.rows(out.train), "année")).toEqual([0, 0.5, 1, 1]);
    // Outside train's range, outside [0, 1]: the statistics are train's.
    expect(column(await step.rows(out.validation), "année")).toEqual([1.5, 0]);
    expect(column(await step.rows(out.train), "Body Mass (g)")).toEqual([3000, 4000, 5000, null]);
    expect(out.test).toBeUndefined();
  });

  it("says which named column is not a number", async () => {
    step = await fakeStep({
      params: { columns: ["species", "flag"] },
      inputs: { train: { rows: train } },
    });
    await expect(prepScaleActivity.activity(step.ctx)).rejects.toThrow(
      'Scale: "species" is VARCHAR, not a number',
    );
  });

  it("names a column that does not exist", async () => {
    step = await fakeStep({ params: { exclude: ["label"] }, inputs: { train: { rows: train } } });
    await expect(prepScaleActivity.activity(step.ctx)).rejects.toThrow(
      'Scale: no column "label" in the input',
    );
  });
});
