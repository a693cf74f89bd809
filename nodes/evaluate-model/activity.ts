import { openSession } from "../../lib/ml/ort";
import { loadScoringSet, runModel } from "../../lib/ml/scoring";
import { score } from "../../lib/ml/train";
import { defineActivity } from "../sdk/define";
import { evaluateModel } from "./node";

/**
 * Idempotent: writes a content-addressed metrics artifact and upserts its experiment row, keyed by
 * run and step; a retry overwrites that row.
 */
export const evaluateModelActivity = defineActivity(evaluateModel, async (ctx) => {
  const { model, meta, sig, set } = await loadScoringSet(ctx, "model", "test", "Evaluate model");
  const { session, provider } = await openSession(model, { gpu: ctx.gpu });
  try {
    const predicted = await runModel(session, sig, set.inputs, set.rows);
    const metrics = score(sig.task, sig.classes, set.truth, predicted);
    ctx.log(`scored ${set.rows} rows with onnxruntime (${provider})`);
    await ctx.track({
      algorithm: `evaluate:${meta.algorithm}`,
      params: { model: ctx.inputs.model!.hash },
      metrics: { test: metrics },
      curve: [],
      modelHash: ctx.inputs.model!.hash,
      provider,
    });
    return {
      metrics: await ctx.writeJson("metrics", { task: meta.signature.task, test: metrics }),
    };
  } finally {
    await session.release();
  }
});
