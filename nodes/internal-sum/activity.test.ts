import { afterEach, describe, expect, it } from "vitest";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { internalSumActivity } from "./activity";

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

describe("internal.sum", () => {
  it("adds up the numbers and counts them", async () => {
    step = await fakeStep({ params: {}, inputs: { numbers: { json: [3, 4.5, -2, 0] } } });
    const out = await internalSumActivity.activity(step.ctx);
    expect(step.output(out.summary).kind).toBe("metrics");
    expect(await step.json(out.summary)).toEqual({ count: 4, sum: 5.5 });
    expect(step.logs).toEqual(["sum of 4 numbers is 5.5"]);
  });

  it("sums an empty list to zero", async () => {
    step = await fakeStep({ params: {}, inputs: { numbers: { json: [] } } });
    const out = await internalSumActivity.activity(step.ctx);
    expect(await step.json(out.summary)).toEqual({ count: 0, sum: 0 });
  });

  it("refuses a list with something other than numbers, naming where", async () => {
    step = await fakeStep({ params: {}, inputs: { numbers: { json: [1, "2", 3] } } });
    await expect(internalSumActivity.activity(step.ctx)).rejects.toMatchObject({
      issues: [{ path: [1], message: expect.stringMatching(/expected number/) as string }],
    });
  });
});
