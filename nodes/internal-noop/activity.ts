import type { NodeActivity } from "../activity-types";

/** Idempotent: passes its input through, or writes one content-addressed empty JSON artifact. */
export const internalNoopActivity: NodeActivity = async (ctx) => ({
  out: ctx.inputs.in ?? (await ctx.writeJson("json", {})),
});
