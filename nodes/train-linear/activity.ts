import { loadSplits, trainAndExport } from "../../server/ml/step";
import type { NodeActivity } from "../activity-types";
import { trainLinear } from "./node";

/**
 * Idempotent: writes content-addressed model and metrics artifacts and upserts its experiment row,
 * keyed by run and step; a retry overwrites that row.
 */
export const trainLinearActivity: NodeActivity = async (ctx) => {
  const { alpha, ...target } = trainLinear.params.parse(ctx.params);
  const data = await loadSplits(ctx, { ...target, task: "regression" }, "Linear regression");
  const { model, report } = await trainAndExport(ctx, data, "linear", { alpha }, { unit: "fits" });
  return { model, metrics: await ctx.writeJson("metrics", report) };
};
