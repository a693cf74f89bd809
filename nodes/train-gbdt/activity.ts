import { loadSplits, trainAndExport } from "../../server/ml/step";
import type { NodeActivity } from "../activity-types";
import { trainGbdt } from "./node";

/**
 * Idempotent: writes content-addressed model and metrics artifacts and upserts its experiment row,
 * keyed by run and step; a retry overwrites that row.
 */
export const trainGbdtActivity: NodeActivity = async (ctx) => {
  const { label, exclude, task, ...params } = trainGbdt.params.parse(ctx.params);
  const data = await loadSplits(ctx, { label, exclude, task }, "Gradient-boosted trees");
  const { model, report } = await trainAndExport(ctx, data, "gbdt", params, { unit: "trees" });
  return { model, metrics: await ctx.writeJson("metrics", report) };
};
