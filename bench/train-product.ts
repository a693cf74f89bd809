/**
 * The train benchmark's product side, one algorithm per process (so it has its own peak memory):
 * trains with the product's trainer on the files bench/train.ts wrote, exports the model to ONNX
 * and scores ROC-AUC on the test file through onnxruntime, as the evaluate node does.
 * usage: tsx bench/train-product.ts <data dir> <gbdt|logistic|mlp> <threads> <json params>
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { TrainingData } from "../lib/ml/data";
import { exportModel } from "../lib/ml/export";
import type { Features } from "../lib/ml/features";
import { rocAuc } from "../lib/ml/metrics";
import { openSession } from "../lib/ml/ort";
import { runModel } from "../lib/ml/scoring";
import { prepOnnx, trainers } from "../nodes/activities";

const [dir, algorithm, threadArg, paramsJson] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const trainer = trainers[algorithm];
if (!trainer) throw new Error(`no trainer "${algorithm}"`);
const threads = Number(threadArg);
const meta = JSON.parse(await readFile(path.join(dir, "meta.json"), "utf8")) as {
  features: number;
};
const names = Array.from({ length: meta.features }, (_, j) => `f${j}`);

async function load(
  part: string,
): Promise<{ X: Features; y: Float64Array; rowMajor: Float32Array }> {
  const buf = await readFile(path.join(dir, `${part}.bin`));
  const rowMajor = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const rows = rowMajor.length / meta.features;
  const columns = names.map((_, j) => {
    const col = new Float32Array(rows);
    for (let r = 0; r < rows; r++) col[r] = rowMajor[r * meta.features + j]!;
    return col;
  });
  const y = Float64Array.from(await readFile(path.join(dir, `${part}_y.bin`)));
  return { X: { rows, names, columns }, y, rowMajor };
}

const train = await load("train");
const data: TrainingData = {
  task: "binary",
  label: "y",
  classes: [0, 1],
  features: names,
  train: { X: train.X, y: train.y },
  dropped: { train: 0, validation: 0 },
};
const t0 = performance.now();
const result = await trainer.fit(JSON.parse(paramsJson) as Record<string, unknown>, data, {
  threads,
});
const fitSeconds = (performance.now() - t0) / 1000;

const test = await load("test");
const t1 = performance.now();
const { bytes, signature } = exportModel({
  name: "bench",
  preprocessing: { raw: names.map((name) => ({ name, type: "FLOAT" })), steps: [] },
  features: names,
  task: "binary",
  label: "y",
  classes: [0, 1],
  model: result.trained,
  prepOnnx,
});
const { session } = await openSession(bytes, { threads });
const inputs = Object.fromEntries(
  signature.inputs.map((input, j) => [input.name, Float64Array.from(test.X.columns[j]!)]),
);
const probs = await runModel(session, signature, inputs, test.X.rows);
const scoreSeconds = (performance.now() - t1) / 1000;
const auc = rocAuc(
  Float64Array.from({ length: test.X.rows }, (_, i) => probs[i * 2 + 1]!),
  Array.from(test.y, (v) => v === 1),
);
console.log(
  JSON.stringify({
    fitSeconds,
    scoreSeconds,
    peakRssKiB: process.resourceUsage().maxRSS,
    auc,
    provider: result.provider,
  }),
);
