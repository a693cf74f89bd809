import { afterEach, describe, expect, it } from "vitest";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { internalNumbersActivity } from "./activity";

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

async function numbers(params: Record<string, unknown>): Promise<number[]> {
  const s = await fakeStep({ params });
  try {
    return (await s.json((await internalNumbersActivity.activity(s.ctx)).numbers)) as number[];
  } finally {
    await s.dispose();
  }
}

describe("internal.numbers", () => {
  it("emits count integers in [0, 1000) and logs what it did", async () => {
    step = await fakeStep({ params: { count: 25, seed: 7 } });
    const out = await internalNumbersActivity.activity(step.ctx);
    const list = (await step.json(out.numbers)) as number[];
    expect(list).toHaveLength(25);
    for (const n of list) {
      expect(Number.isInteger(n)).toBe(true);
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThan(1000);
    }
    expect(new Set(list).size).toBeGreaterThan(10);
    expect(step.logs).toEqual(["generated 25 numbers with seed 7"]);
  });

  it("gives the same numbers for the same seed, others for another", async () => {
    const a = await numbers({ count: 10, seed: 1 });
    expect(await numbers({ count: 10, seed: 1 })).toEqual(a);
    expect(await numbers({ count: 10, seed: 2 })).not.toEqual(a);
    // The defaults are count 10, seed 1; a longer list starts with the shorter one.
    expect(await numbers({})).toEqual(a);
    expect((await numbers({ count: 12, seed: 1 })).slice(0, 10)).toEqual(a);
  });

  it("refuses a count of zero", async () => {
    step = await fakeStep({ params: { count: 0 } });
    const ctx = step.ctx;
    await expect((async () => internalNumbersActivity.activity(ctx))()).rejects.toMatchObject({
      issues: [{ path: ["count"], code: "too_small" }],
    });
  });
});
