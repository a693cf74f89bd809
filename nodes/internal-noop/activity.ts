import { defineActivity } from "../sdk/define";
import { internalNoop } from "./node";

/** Idempotent: passes its input through, or writes one content-addressed empty JSON artifact. */
export const internalNoopActivity = defineActivity(internalNoop, async (ctx) => ({
  out: ctx.inputs.in ?? (await ctx.writeJson("json", {})),
}));
