import { defineActivity } from "../sdk/define";
import { internalNumbers } from "./node";

/** Idempotent: seeded, so a retry writes the same bytes to the same content-addressed artifact. */
export const internalNumbersActivity = defineActivity(
  internalNumbers,
  async (ctx, { count, seed }) => {
    // mulberry32: small, seeded, reproducible.
    let a = seed >>> 0;
    const numbers: number[] = [];
    for (let i = 0; i < count; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      numbers.push(((t ^ (t >>> 14)) >>> 0) % 1000);
    }
    ctx.log(`generated ${count} numbers with seed ${seed}`);
    return { numbers: await ctx.writeJson("json", numbers) };
  },
);
