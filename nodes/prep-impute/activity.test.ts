import { afterEach, describe, expect, it } from "vitest";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { prepImputeActivity } from "./activity";

const train = [
  { age: 20, city: "Oslo", income: 100 },
  { age: null, city: "Oslo", income: 300 },
  { age: 40, city: null, income: null },
];
const test = [
  { age: null, city: null, income: null },
  { age: 50, city: "Rome", income: 10 },
];

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

describe("prep.impute", () => {
  it("fits medians on train only and fills every split with them", async () => {
    step = await fakeStep({
      params: { strategy: "median", columns: [] },
      inputs: { train: { rows: train }, test: { rows: test } },
    });
    const out = await prepImputeActivity.activity(step.ctx);
    expect(await step.rows(out.test)).toEqual([
      { age: 30, city: null, income: 200 },
      { age: 50, city: "Rome", income: 10 },
    ]);
    expect(await step.json(out.state)).toMatchObject({
      op: "impute",
      fill: [
        { column: "age", value: 30 },
        { column: "income", value: 200 },
      ],
    });
    const recorded = step.output(out.train).metadata.preprocessing as { steps: { op: string }[] };
    expect(recorded.steps.map((s) => s.op)).toEqual(["impute"]);
  });

  it("fills text with the most frequent value", async () => {
    step = await fakeStep({
      params: { strategy: "mode", columns: ["city"] },
      inputs: { train: { rows: train } },
    });
    const out = await prepImputeActivity.activity(step.ctx);
    expect((await step.rows(out.train)).map((r) => r.city)).toEqual(["Oslo", "Oslo", "Oslo"]);
  });

  it("says which column a mean cannot be taken of", async () => {
    step = await fakeStep({
      params: { strategy: "mean", columns: ["city"] },
      inputs: { train: { rows: train } },
    });
    await expect(prepImputeActivity.activity(step.ctx)).rejects.toThrow(/"city" is VARCHAR/);
  });
});
