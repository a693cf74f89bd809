import { afterEach, describe, expect, it } from "vitest";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { prepSplitActivity } from "./activity";

// 20 penguins: 10 of each species, one a day in January 2026, some masses missing.
const rows = Array.from({ length: 20 }, (_, i) => ({
  "Individual ID": `N${i + 1}`,
  Espèce: i % 2 ? "Gentoo" : "Adelie",
  "Body Mass (g)": i % 5 === 0 ? null : 3000 + 50 * i,
  "Date Egg": `2026-01-${String(20 - i).padStart(2, "0")}`,
}));

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

async function split(params: Record<string, unknown>, metadata?: Record<string, unknown>) {
  const s = await fakeStep({ params, inputs: { input: { rows, metadata } } });
  step = s;
  const out = await prepSplitActivity.activity(s.ctx);
  const ids = async (port: string) =>
    (await s.rows(out[port])).map((r) => r["Individual ID"] as string);
  return {
    out,
    train: await ids("train"),
    validation: await ids("validation"),
    test: await ids("test"),
  };
}

const count = (r: Record<string, unknown>[], species: string) =>
  r.filter((x) => x["Espèce"] === species).length;

describe("prep.split", () => {
  it("splits at random, every row in exactly one split, the same for the same seed", async () => {
    const recorded = { raw: [{ name: "Espèce", type: "VARCHAR" }], steps: [{ op: "impute" }] };
    const first = await split(
      { validation: 0.25, test: 0.25, seed: 7 },
      { preprocessing: recorded },
    );
    expect([...first.train, ...first.validation, ...first.test].sort()).toEqual(
      rows.map((r) => r["Individual ID"]).sort(),
    );
    expect(first.train.length).toBeGreaterThan(first.test.length);
    expect(first.test.length).toBeGreaterThan(0);
    for (const port of ["train", "validation", "test"]) {
      const meta = step!.output(first.out[port]).metadata;
      expect(meta.preprocessing).toEqual(recorded);
      // Columns and values travel as they were.
      expect(meta.schema).toHaveLength(4);
    }
    await step!.dispose();
    const again = await split({ validation: 0.25, test: 0.25, seed: 7 });
    expect(again.test).toEqual(first.test);
    await step!.dispose();
    const other = await split({ validation: 0.25, test: 0.25, seed: 8 });
    expect(other.test).not.toEqual(first.test);
  });

  it("stratifies by a column: each split has each class in proportion", async () => {
    const { out } = await split({
      method: "stratified",
      column: "Espèce",
      validation: 0.2,
      test: 0.2,
    });
    for (const [port, n] of [
      ["train", 6],
      ["validation", 2],
      ["test", 2],
    ] as const) {
      const part = await step!.rows(out[port]);
      expect([count(part, "Adelie"), count(part, "Gentoo")]).toEqual([n, n]);
    }
  });

  it("splits by time: train before validation before test", async () => {
    const { out, test } = await split({
      method: "time",
      column: "Date Egg",
      validation: 0.2,
      test: 0.2,
    });
    const days = async (port: string) =>
      (await step!.rows(out[port])).map((r) => String(r["Date Egg"])).sort();
    const [train, validation, testDays] = [
      await days("train"),
      await days("validation"),
      await days("test"),
    ];
    expect(train.at(-1)! < validation[0]!).toBe(true);
    expect(validation.at(-1)! < testDays[0]!).toBe(true);
    // The four latest days (the first four rows).
    expect(test.sort()).toEqual(["N1", "N2", "N3", "N4"]);
  });

  it("names a column that does not exist, and shares that leave no training rows", async () => {
    step = await fakeStep({
      params: { method: "stratified", column: "species" },
      inputs: { input: { rows } },
    });
    await expect(prepSplitActivity.activity(step.ctx)).rejects.toThrow(
      'Split: no column "species" in the input',
    );
    const ctx = { ...step.ctx, params: { validation: 0.5, test: 0.5 } };
    await expect((async () => prepSplitActivity.activity(ctx))()).rejects.toMatchObject({
      issues: [{ path: ["test"], message: "validation + test must leave rows for training" }],
    });
  });
});
