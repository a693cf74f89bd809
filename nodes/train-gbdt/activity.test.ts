import { describe, expect, it } from "vitest";
import { useFakeSteps } from "../sdk/testing/steps";
import { trainGbdtActivity } from "./activity";

const fake = useFakeSteps();

// Churn from two numbers and a text column the trees cannot take (excluded), with gaps.
const customers = Array.from({ length: 120 }, (_, i) => ({
  "Customer ID": `C-${1000 + i}`,
  tenure: i % 40,
  "Monthly €": i % 7 === 0 ? null : 20 + ((i * 37) % 80),
  churned: i % 40 < 8 ? "yes" : "no",
}));

describe("train.gbdt", () => {
  it("trains with its default params when no validation split is connected", async () => {
    const step = await fake({
      params: { label: "churned", exclude: ["Customer ID"], trees: 20 },
      inputs: { train: { rows: customers } },
    });
    const out = await trainGbdtActivity.activity(step.ctx);
    const meta = step.output(out.model).metadata as {
      algorithm: string;
      bestIteration: number;
      signature: { task: string; classes: string[]; inputs: { column: string }[] };
    };
    expect(meta.algorithm).toBe("gbdt");
    expect(meta.bestIteration).toBe(20);
    expect(meta.signature.task).toBe("binary");
    expect(meta.signature.classes).toEqual(["no", "yes"]);
    expect(meta.signature.inputs.map((i) => i.column)).toEqual(["tenure", "Monthly €"]);
    expect(step.tracked).toHaveLength(1);
    expect(step.progress.at(-1)).toMatchObject({ done: 20, total: 20, unit: "trees" });
  });

  it("stops early on the validation split", async () => {
    const step = await fake({
      params: { label: "churned", exclude: ["Customer ID"], trees: 500, earlyStoppingRounds: 5 },
      inputs: { train: { rows: customers }, validation: { rows: customers.slice(0, 60) } },
    });
    const out = await trainGbdtActivity.activity(step.ctx);
    const report = (await step.json(out.metrics)) as { curve: unknown[] };
    expect(report.curve.length).toBeLessThan(500);
  });

  it("names a label column that is not there", async () => {
    const step = await fake({ params: { label: "Churn" }, inputs: { train: { rows: customers } } });
    await expect(trainGbdtActivity.activity(step.ctx)).rejects.toThrow(/Churn/);
  });
});
