import { headline } from "../../lib/ml/metrics";
import { mulberry32, shuffledIndex } from "../../lib/ml/random";
import { openSession } from "../../lib/ml/ort";
import { loadScoringSet, runModel, type InputColumns } from "../../lib/ml/scoring";
import { score } from "../../lib/ml/train";
import { defineActivity } from "../sdk/define";
import { evaluateExplain } from "./node";

/**
 * Permutation importance on the raw input columns, scored through the exported model. Idempotent:
 * seeded, and writes only a content-addressed metrics artifact.
 */
export const evaluateExplainActivity = defineActivity(evaluateExplain, async (ctx, p) => {
  const { model, sig, set } = await loadScoringSet(ctx, "model", "test", "Explain model");
  const rand = mulberry32(p.seed);
  const rows = Math.min(set.rows, p.maxRows);
  const sample = shuffledIndex(set.rows, rand).subarray(0, rows);
  const pick = <T extends Float64Array | string[]>(v: T, order: ArrayLike<number>): T =>
    (Array.isArray(v)
      ? Array.from(order, (i) => v[i]!)
      : Float64Array.from(order, (i) => v[i]!)) as T;
  const inputs: InputColumns = Object.fromEntries(
    Object.entries(set.inputs).map(([k, v]) => [k, pick(v, sample)]),
  );
  const truth = Float64Array.from(sample, (i) => set.truth[i]!);
  const metric = sig.task === "regression" ? "r2" : "accuracy";
  const { session } = await openSession(model, { gpu: ctx.gpu });
  try {
    const scoreOf = async (cols: InputColumns) =>
      headline(
        score(sig.task, sig.classes, truth, await runModel(session, sig, cols, rows)),
        metric,
      ).value;
    const baseline = await scoreOf(inputs);
    const importance = [];
    for (const [i, input] of sig.inputs.entries()) {
      const drops: number[] = [];
      for (let r = 0; r < p.repeats; r++) {
        const shuffled = {
          ...inputs,
          [input.name]: pick(inputs[input.name]!, shuffledIndex(rows, rand)),
        };
        drops.push(baseline - (await scoreOf(shuffled)));
      }
      const mean = drops.reduce((a, b) => a + b, 0) / drops.length;
      const std = Math.sqrt(drops.reduce((a, b) => a + (b - mean) ** 2, 0) / drops.length);
      importance.push({ column: input.column, importance: mean, std });
      ctx.progress({ done: i + 1, total: sig.inputs.length, unit: "columns" });
    }
    importance.sort((a, b) => b.importance - a.importance);
    return {
      importance: await ctx.writeJson("metrics", { metric, baseline, rows, importance }),
    };
  } finally {
    await session.release();
  }
});
