import { afterEach, describe, expect, it } from "vitest";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { prepEncodeActivity } from "./activity";

const train = [
  { Île: "Biscoe", sex: "male", mass: 3750, species: "Adelie" },
  { Île: "Dream", sex: null, mass: 3800, species: "Gentoo" },
  { Île: "Biscoe", sex: "female", mass: null, species: "Adelie" },
];
const test = [
  { Île: "Torgersen", sex: "female", mass: 4000, species: "Gentoo" },
  { Île: null, sex: "male", mass: 3500, species: "Adelie" },
];

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

type Recorded = { raw: { name: string }[]; steps: { op: string }[] };

describe("prep.encode", () => {
  it("one-hot encodes text columns with train's categories; unknown and missing are all zeros", async () => {
    step = await fakeStep({
      params: { exclude: ["species"] },
      inputs: { train: { rows: train }, test: { rows: test } },
    });
    const out = await prepEncodeActivity.activity(step.ctx);
    expect(await step.rows(out.test)).toEqual([
      {
        "Île=Biscoe": 0,
        "Île=Dream": 0,
        "sex=female": 1,
        "sex=male": 0,
        mass: 4000,
        species: "Gentoo",
      },
      {
        "Île=Biscoe": 0,
        "Île=Dream": 0,
        "sex=female": 0,
        "sex=male": 1,
        mass: 3500,
        species: "Adelie",
      },
    ]);
    expect((await step.rows(out.train)).map((r) => r["Île=Biscoe"])).toEqual([1, 0, 1]);
    expect(await step.json(out.state)).toEqual({
      op: "encode",
      method: "onehot",
      columns: [
        { column: "Île", categories: ["Biscoe", "Dream"] },
        { column: "sex", categories: ["female", "male"] },
      ],
    });
    // Recorded on every split, from the raw columns, so an exported model can take raw rows.
    for (const port of ["train", "test"]) {
      const recorded = step.output(out[port]).metadata.preprocessing as Recorded;
      expect(recorded.steps).toEqual([await step.json(out.state)]);
      expect(recorded.raw.map((c) => c.name)).toEqual(["Île", "sex", "mass", "species"]);
    }
  });

  it("encodes ordinally, -1 for unknown and missing, keeping earlier recorded steps", async () => {
    const impute = { op: "impute", fill: [{ column: "mass", value: 3775 }] };
    step = await fakeStep({
      params: { method: "ordinal", columns: ["Île"] },
      inputs: {
        train: {
          rows: train,
          metadata: { preprocessing: { raw: [{ name: "Île", type: "VARCHAR" }], steps: [impute] } },
        },
        test: { rows: test },
      },
    });
    const out = await prepEncodeActivity.activity(step.ctx);
    expect((await step.rows(out.train)).map((r) => r["Île"])).toEqual([0, 1, 0]);
    expect((await step.rows(out.test)).map((r) => r["Île"])).toEqual([-1, -1]);
    // Only the named column: sex stays text.
    expect((await step.rows(out.test)).map((r) => r.sex)).toEqual(["female", "male"]);
    const recorded = step.output(out.test).metadata.preprocessing as Recorded;
    expect(recorded.steps.map((s) => s.op)).toEqual(["impute", "encode"]);
  });

  it("keeps only the most frequent categories", async () => {
    step = await fakeStep({
      params: { columns: ["Île"], maxCategories: 2 },
      inputs: {
        train: {
          rows: [
            ...train,
            { Île: "Torgersen", sex: "male", mass: 1, species: "Adelie" },
            { Île: "Dream", sex: "male", mass: 1, species: "Adelie" },
          ],
        },
      },
    });
    const out = await prepEncodeActivity.activity(step.ctx);
    expect(await step.json(out.state)).toMatchObject({
      columns: [{ column: "Île", categories: ["Biscoe", "Dream"] }],
    });
  });

  it("names a column that does not exist, and the ones that do", async () => {
    step = await fakeStep({
      params: { columns: ["island"] },
      inputs: { train: { rows: train } },
    });
    await expect(prepEncodeActivity.activity(step.ctx)).rejects.toThrow(
      'Encode categories: no column "island" in the input (columns: Île, sex, mass, species)',
    );
  });
});
