import { setTimeout as sleep } from "node:timers/promises";
import { defineActivity } from "../sdk/define";
import { internalSleep } from "./node";

/**
 * Idempotent: passes its input through or writes one content-addressed JSON artifact. Fails on
 * purpose while `attempt` is at most `failTimes` (retry tests).
 */
export const internalSleepActivity = defineActivity(
  internalSleep,
  async (ctx, { ms, failTimes }) => {
    if (ctx.attempt <= failTimes) throw new Error(`injected failure on attempt ${ctx.attempt}`);
    const tick = 250;
    for (let waited = 0; waited < ms; waited += tick) {
      ctx.progress({ done: waited, total: ms, unit: "ms" });
      await sleep(Math.min(tick, ms - waited), undefined, { signal: ctx.signal });
    }
    const input = ctx.inputs.in;
    return { out: input ?? (await ctx.writeJson("json", { sleptMs: ms })) };
  },
);
