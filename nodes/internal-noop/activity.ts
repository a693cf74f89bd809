import type { NodeActivity } from "../activity-types";

export const internalNoopActivity: NodeActivity = async (ctx) => ({
  out: ctx.inputs.in ?? (await ctx.writeJson("json", {})),
});
