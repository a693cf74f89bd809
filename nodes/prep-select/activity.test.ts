import { afterEach, describe, expect, it } from "vitest";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { prepSelectActivity } from "./activity";

const rows = [
  { "Individual ID": "N1A1", "Body Mass (g)": 3750, Espèce: "Adelie", "Date Egg": "2007-11-11" },
  { "Individual ID": "N1A2", "Body Mass (g)": null, Espèce: null, "Date Egg": "2007-11-16" },
];

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

type Recorded = {
  raw: { name: string }[];
  steps: Record<string, unknown>[];
  source?: { columns: { name: string }[]; steps: Record<string, unknown>[] };
};

describe("prep.select", () => {
  it("keeps the listed columns in the input's order, renamed, and records the step", async () => {
    step = await fakeStep({
      params: {
        columns: ["Espèce", "Body Mass (g)"],
        rename: { "Body Mass (g)": "mass", Espèce: "species" },
      },
      inputs: { input: { rows } },
    });
    const out = await prepSelectActivity.activity(step.ctx);
    expect(await step.rows(out.dataset)).toEqual([
      { mass: 3750, species: "Adelie" },
      { mass: null, species: null },
    ]);
    const recorded = step.output(out.dataset).metadata.preprocessing as Recorded;
    // Before any fitted step, a select is a row step on the file's side (see Preprocessing.source).
    expect(recorded.steps).toEqual([]);
    expect(recorded.source?.steps).toEqual([
      {
        op: "select",
        what: "Select columns",
        columns: [
          { from: "Body Mass (g)", to: "mass" },
          { from: "Espèce", to: "species" },
        ],
      },
    ]);
    expect(recorded.raw.map((c) => c.name)).toEqual(["mass", "species"]);
    // The raw columns a model's caller supplies are the input's.
    expect(recorded.source?.columns.map((c) => c.name)).toEqual([
      "Individual ID",
      "Body Mass (g)",
      "Espèce",
      "Date Egg",
    ]);
  });

  it("drops the listed columns after earlier recorded steps", async () => {
    const impute = { op: "impute", fill: [{ column: "Body Mass (g)", value: 3750 }] };
    step = await fakeStep({
      params: { mode: "drop", columns: ["Individual ID"] },
      inputs: {
        input: {
          rows,
          metadata: {
            preprocessing: { raw: [{ name: "Body Mass (g)", type: "BIGINT" }], steps: [impute] },
          },
        },
      },
    });
    const out = await prepSelectActivity.activity(step.ctx);
    const [first] = await step.rows(out.dataset);
    expect(Object.keys(first!)).toEqual(["Body Mass (g)", "Espèce", "Date Egg"]);
    const recorded = step.output(out.dataset).metadata.preprocessing as Recorded;
    expect(recorded.steps.map((s) => s.op)).toEqual(["impute", "select"]);
    expect(recorded.raw).toEqual([{ name: "Body Mass (g)", type: "BIGINT" }]);
  });

  it("names a column that does not exist, listed or renamed", async () => {
    step = await fakeStep({
      params: { columns: ["Espèce"], rename: { species: "kind" } },
      inputs: { input: { rows } },
    });
    await expect(prepSelectActivity.activity(step.ctx)).rejects.toThrow(
      'Select columns: no column "species" in the input (columns: Individual ID, Body Mass (g), Espèce, Date Egg)',
    );
  });

  it("refuses to drop every column", async () => {
    step = await fakeStep({
      params: { mode: "drop", columns: ["Individual ID", "Body Mass (g)", "Espèce", "Date Egg"] },
      inputs: { input: { rows } },
    });
    await expect(prepSelectActivity.activity(step.ctx)).rejects.toThrow(
      "Select columns: no column would be left",
    );
  });
});
