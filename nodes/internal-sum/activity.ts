import { z } from "zod";
import { defineActivity } from "../sdk/define";
import { internalSum } from "./node";

/** Idempotent: a pure function of its input, written as a content-addressed artifact. */
export const internalSumActivity = defineActivity(internalSum, async (ctx) => {
  const numbers = z.array(z.number()).parse(await ctx.readJson("numbers"));
  const sum = numbers.reduce((a, b) => a + b, 0);
  ctx.log(`sum of ${numbers.length} numbers is ${sum}`);
  return { summary: await ctx.writeJson("metrics", { count: numbers.length, sum }) };
});
