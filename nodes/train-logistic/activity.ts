import { loadSplits, trainAndExport } from "../../server/ml/step";
import type { NodeActivity } from "../activity-types";
import { trainLogistic } from "./node";

/**
 * Idempotent: writes content-addressed model and metrics artifacts and upserts its experiment row,
 * keyed by run and step; a retry overwrites that row.
 */
export const trainLogisticActivity: NodeActivity = async (ctx) => {
  const { label, exclude, ...params } = trainLogistic.params.parse(ctx.params);
  const data = await loadSplits(
    ctx,
    { label, exclude, task: "classification" },
    "Logistic regression",
  );
  const { model, report } = await trainAndExport(ctx, data, "logistic", params, {
    unit: "epochs",
  });
  return { model, metrics: await ctx.writeJson("metrics", report) };
};
