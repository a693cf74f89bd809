import { afterEach, describe, expect, it } from "vitest";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { internalSleepActivity } from "./activity";

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

describe("internal.sleep", () => {
  it("waits, reporting progress, then writes how long it slept", async () => {
    step = await fakeStep({ params: { ms: 30 } });
    const started = Date.now();
    const out = await internalSleepActivity.activity(step.ctx);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(step.progress).toEqual([{ done: 0, total: 30, unit: "ms" }]);
    expect(await step.json(out.out)).toEqual({ sleptMs: 30 });
  });

  it("passes its input through", async () => {
    step = await fakeStep({ params: { ms: 0 }, inputs: { in: { json: [1, 2, 3] } } });
    const out = await internalSleepActivity.activity(step.ctx);
    expect(out.out).toEqual(step.ctx.inputs.in);
    expect(step.progress).toEqual([]);
  });

  it("fails the first failTimes attempts on purpose, then succeeds", async () => {
    step = await fakeStep({ params: { ms: 1, failTimes: 2 } });
    await expect(internalSleepActivity.activity({ ...step.ctx, attempt: 2 })).rejects.toThrow(
      "injected failure on attempt 2",
    );
    const out = await internalSleepActivity.activity({ ...step.ctx, attempt: 3 });
    expect(await step.json(out.out)).toEqual({ sleptMs: 1 });
  });

  it("stops at once when the step is cancelled", async () => {
    step = await fakeStep({ params: { ms: 60_000 } });
    const abort = new AbortController();
    const started = Date.now();
    const running = internalSleepActivity.activity({ ...step.ctx, signal: abort.signal });
    setTimeout(() => abort.abort(), 20);
    await expect(running).rejects.toThrow(/abort/i);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
