import { afterEach, describe, expect, it } from "vitest";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { internalNoopActivity } from "./activity";

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

describe("internal.noop", () => {
  it("passes its input through: the same artifact, nothing new written", async () => {
    step = await fakeStep({ params: { tag: "x" }, inputs: { in: { json: { a: [1, 2] } } } });
    const stored = step.artifacts.size;
    const out = await internalNoopActivity.activity(step.ctx);
    expect(out.out).toEqual(step.ctx.inputs.in);
    expect(step.artifacts.size).toBe(stored);
    expect(await step.json(out.out)).toEqual({ a: [1, 2] });
  });

  it("emits an empty document without an input", async () => {
    step = await fakeStep({ params: {} });
    const out = await internalNoopActivity.activity(step.ctx);
    expect(out.out?.kind).toBe("json");
    expect(await step.json(out.out)).toEqual({});
  });

  it("refuses a tag longer than 200 characters", async () => {
    step = await fakeStep({ params: { tag: "t".repeat(201) } });
    const ctx = step.ctx;
    await expect((async () => internalNoopActivity.activity(ctx))()).rejects.toMatchObject({
      issues: [{ path: ["tag"], code: "too_big" }],
    });
  });
});
