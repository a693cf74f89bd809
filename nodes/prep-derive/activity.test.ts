import { afterEach, describe, expect, it } from "vitest";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { prepDeriveActivity } from "./activity";

const penguins = [
  { species: "Adelie", "Body Mass (g)": 3750, "Date Egg": "2007-11-11", île: "Torgersen" },
  { species: "Gentoo", "Body Mass (g)": null, "Date Egg": "2008-11-16", île: null },
  { species: "Chinstrap", "Body Mass (g)": 3500, "Date Egg": null, île: "Dream" },
];

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

const derive = async (column: string, expression: string) => {
  step = await fakeStep({ params: { column, expression }, inputs: { input: { rows: penguins } } });
  return prepDeriveActivity.activity(step.ctx);
};

describe("prep.derive", () => {
  it("adds a column computed over odd column names; missing stays missing", async () => {
    const out = await derive("mass kg", '"Body Mass (g)" / 1000');
    const rows = await step!.rows(out.dataset);
    expect(rows.map((r) => r["mass kg"])).toEqual([3.75, null, 3.5]);
    expect(Object.keys(rows[0]!)).toEqual([
      "species",
      "Body Mass (g)",
      "Date Egg",
      "île",
      "mass kg",
    ]);
    expect(step!.output(out.dataset).metadata).toMatchObject({
      rows: 3,
      schema: expect.arrayContaining([{ name: "mass kg", type: "DOUBLE" }]) as unknown,
    });
  });

  it("works on dates and text, and replaces a column of the same name", async () => {
    let out = await derive("year", 'year(CAST("Date Egg" AS DATE))');
    expect((await step!.rows(out.dataset)).map((r) => r.year)).toEqual([2007, 2008, null]);
    await step!.dispose();
    out = await derive("île", "coalesce(upper(île), 'UNKNOWN')");
    const rows = await step!.rows(out.dataset);
    expect(rows.map((r) => r["île"])).toEqual(["TORGERSEN", "UNKNOWN", "DREAM"]);
    expect(Object.keys(rows[0]!).filter((k) => k === "île")).toHaveLength(1);
  });

  it("names a column that does not exist", async () => {
    await expect(derive("ratio", "body_mass / 2")).rejects.toThrow(
      /Derived column "ratio": .*"body_mass" not found/,
    );
  });

  it("refuses anything but one expression", async () => {
    await expect(derive("x", "1; DROP TABLE input")).rejects.toThrow(
      'Derived column "x": the expression must be one SQL expression, not 2 statements',
    );
    await step!.dispose();
    await expect(derive("x", "species, île")).rejects.toThrow(
      /must be one SQL expression, found 2/,
    );
  });
});
