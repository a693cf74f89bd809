import { afterEach, describe, expect, it } from "vitest";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { prepValidateActivity } from "./activity";

const rows = [
  { Espèce: "Adelie", "Body Mass (g)": 3750, sex: "male", "Date Egg": "2007-11-11" },
  { Espèce: "Gentoo", "Body Mass (g)": null, sex: null, "Date Egg": "2007-11-16" },
  { Espèce: "Chinstrap", "Body Mass (g)": 9900, sex: "female", "Date Egg": "2008-11-09" },
  { Espèce: "Adelie", "Body Mass (g)": 3500, sex: "female", "Date Egg": "2008-11-10" },
];

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

const validate = async (params: Record<string, unknown>) => {
  step = await fakeStep({ params, inputs: { input: { rows } } });
  return prepValidateActivity.activity(step.ctx);
};

describe("prep.validate", () => {
  it("passes the data through unchanged when every check holds, with a report", async () => {
    const out = await validate({
      columns: [
        { name: "Espèce", type: "varchar" },
        { name: "Date Egg", type: "DATE" },
      ],
      ranges: [{ column: "Body Mass (g)", min: 0, max: 10_000 }],
      maxNullRate: { sex: 0.25 },
    });
    // Same artifact: no copy of the rows.
    expect(out.dataset).toEqual(step!.ctx.inputs.input);
    expect(await step!.json(out.report)).toEqual({
      passed: 4,
      failed: 0,
      checks: [
        { check: "column Espèce", ok: true, detail: "VARCHAR" },
        { check: "column Date Egg", ok: true, detail: "DATE" },
        { check: "range Body Mass (g)", ok: true, detail: "0 of 4 rows outside [0, 10000]" },
        { check: "nulls sex", ok: true, detail: "25.00% missing, at most 25.00%" },
      ],
    });
    expect(step!.logs).toEqual([]);
  });

  it("fails the step listing every failed check", async () => {
    await expect(
      validate({
        columns: [{ name: "island" }, { name: "Body Mass (g)", type: "DOUBLE" }],
        ranges: [{ column: "Body Mass (g)", max: 6000 }],
        maxNullRate: { sex: 0.1 },
      }),
    ).rejects.toThrow(
      "Validate data: 4 check(s) failed: column island (missing); column Body Mass (g) (is BIGINT, expected DOUBLE); range Body Mass (g) (1 of 4 rows outside [-∞, 6000]); nulls sex (25.00% missing, at most 10.00%)",
    );
    expect(step!.logs).toContain("check failed: column island: missing");
  });

  it("only reports in warn mode, and says which checked columns are missing", async () => {
    const out = await validate({
      onFailure: "warn",
      ranges: [{ column: "mass", min: 0 }],
      maxNullRate: { "Body Mass (g)": 0.5, Sex: 0 },
    });
    expect(await step!.json(out.report)).toEqual({
      passed: 1,
      failed: 2,
      checks: [
        { check: "range mass", ok: false, detail: "missing column" },
        { check: "nulls Body Mass (g)", ok: true, detail: "25.00% missing, at most 50.00%" },
        { check: "nulls Sex", ok: false, detail: "missing column" },
      ],
    });
    expect(step!.logs).toEqual([
      "check failed: range mass: missing column",
      "check failed: nulls Sex: missing column",
    ]);
    expect(out.dataset).toEqual(step!.ctx.inputs.input);
  });
});
