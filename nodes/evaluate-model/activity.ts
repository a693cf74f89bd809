import { writeFile } from "node:fs/promises";
import path from "node:path";
import { writeDataset } from "../../lib/data/dataset";
import { openSandbox, quoteLiteral } from "../../lib/data/sandbox";
import type { Signature } from "../../lib/ml/export";
import { openSession } from "../../lib/ml/ort";
import { loadScoringSet, runModel, type ScoringSet } from "../../lib/ml/scoring";
import { score } from "../../lib/ml/train";
import type { StepContext } from "../sdk/context";
import { defineActivity } from "../sdk/define";
import { evaluateModel } from "./node";

const reserved = new Set(["file_row", "actual", "predicted", "probability"]);

/**
 * Each scored row: its position in the file (when the rows are the file's), the true value and
 * the prediction (classifiers: the class and its probability), as the endpoint would answer, and
 * the model's input columns as the client sent them (a model card groups its rows by one).
 */
async function predictionsDataset(
  ctx: StepContext,
  sig: Signature,
  set: ScoringSet,
  predicted: Float64Array,
) {
  const classes = sig.classes;
  const width = classes?.length ?? 1;
  const inputs = sig.inputs.filter(
    (input, i) =>
      !reserved.has(input.column) &&
      sig.inputs.findIndex((other) => other.column === input.column) === i,
  );
  const inputColumns = new Set(inputs.map((i) => i.column));
  const kept = Object.entries(set.kept ?? {}).filter(
    ([name]) => !reserved.has(name) && !inputColumns.has(name),
  );
  const lines: string[] = [];
  for (let r = 0; r < set.rows; r++) {
    const row: Record<string, unknown> = {};
    if (set.fileRows) row.file_row = set.fileRows[r];
    if (classes) {
      let best = 0;
      for (let k = 1; k < width; k++)
        if (predicted[r * width + k]! > predicted[r * width + best]!) best = k;
      row.actual = String(classes[set.truth[r]!]);
      row.predicted = String(classes[best]);
      row.probability = predicted[r * width + best];
    } else {
      row.actual = set.truth[r];
      row.predicted = predicted[r];
    }
    for (const input of inputs) {
      const v = set.inputs[input.name]![r];
      row[input.column] = typeof v === "number" && !Number.isFinite(v) ? null : v;
    }
    for (const [name, values] of kept) row[name] = values[r];
    lines.push(JSON.stringify(row));
  }
  const json = path.join(ctx.workDir, "predictions.jsonl");
  await writeFile(json, lines.join("\n"));
  const box = await openSandbox(ctx.workDir, { threads: 1 });
  try {
    const text = classes ? "VARCHAR" : "DOUBLE";
    const columns = `{${set.fileRows ? "file_row: 'BIGINT', " : ""}actual: '${text}', predicted: '${text}'${classes ? ", probability: 'DOUBLE'" : ""}${inputs
      .map((i) => `, ${quoteLiteral(i.column)}: '${i.type === "string" ? "VARCHAR" : "DOUBLE"}'`)
      .join("")}${kept
      .map(
        ([name, values]) =>
          `, ${quoteLiteral(name)}: '${values.some((v) => typeof v === "string") ? "VARCHAR" : "DOUBLE"}'`,
      )
      .join("")}}`;
    await box.connection.run(
      `CREATE VIEW predictions AS SELECT * FROM read_json(${quoteLiteral(json)}, format = 'newline_delimited', columns = ${columns})`,
    );
    const file = path.join(ctx.workDir, "predictions.parquet");
    const metadata = await writeDataset(box.connection, "predictions", file);
    return await ctx.writeFile("dataset", file, { ...metadata });
  } finally {
    box.close();
  }
}

/**
 * Idempotent: writes a content-addressed metrics artifact and upserts its experiment row, keyed by
 * run and step; a retry overwrites that row.
 */
export const evaluateModelActivity = defineActivity(evaluateModel, async (ctx, p) => {
  const { model, meta, sig, set } = await loadScoringSet(
    ctx,
    "model",
    "test",
    "Evaluate model",
    p.keepColumns,
  );
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
      predictions: await predictionsDataset(ctx, sig, set, predicted),
    };
  } finally {
    await session.release();
  }
});
