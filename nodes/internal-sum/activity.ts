import { z } from "zod";
import type { NodeActivity } from "../activity-types";

/** Idempotent: a pure function of its input, written as a content-addressed artifact. */
export const internalSumActivity: NodeActivity = async (ctx) => {
  const numbers = z.array(z.number()).parse(await ctx.readJson("numbers"));
  const sum = numbers.reduce((a, b) => a + b, 0);
  ctx.log(`sum of ${numbers.length} numbers is ${sum}`);
  return { summary: await ctx.writeJson("metrics", { count: numbers.length, sum }) };
};
