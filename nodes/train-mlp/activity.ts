import { loadSplits, trainAndExport } from "../../server/ml/step";
import type { NodeActivity } from "../activity-types";
import { trainMlp } from "./node";

/**
 * Idempotent: writes content-addressed model and metrics artifacts and upserts its experiment row,
 * keyed by run and step; a retry overwrites that row.
 */
export const trainMlpActivity: NodeActivity = async (ctx) => {
  const { label, exclude, task, ...params } = trainMlp.params.parse(ctx.params);
  const data = await loadSplits(ctx, { label, exclude, task }, "Neural network");
  const { model, report } = await trainAndExport(ctx, data, "mlp", params, { unit: "epochs" });
  return { model, metrics: await ctx.writeJson("metrics", report) };
};
