import { readFile } from "node:fs/promises";
import type { StepIO } from "../data/step-io";
import { StepInputError } from "../errors";
import { columnsOf } from "../data/columns";
import { loadDataset } from "../data/dataset";
import { openSandbox, quoteIdent, quoteLiteral } from "../data/sandbox";
import type { Signature } from "./export";
import type { ModelInput } from "./onnx/preprocess";
import { ort } from "./ort";
import type { ModelMetadata } from "./model-metadata";

/** A model's raw input columns, read from a dataset: numbers as doubles (NaN when missing), text as strings ("" when missing). */
export type InputColumns = Record<string, Float64Array | string[]>;

export interface ScoringSet {
  rows: number;
  inputs: InputColumns;
  /** Class index or target per row. */
  truth: Float64Array;
}

const BATCH = 65_536;

/** Loads a model artifact and a labelled dataset holding the model's raw input columns. */
export async function loadScoringSet(
  ctx: StepIO,
  modelPort: string,
  dataPort: string,
  what: string,
): Promise<{ model: Uint8Array; meta: ModelMetadata; set: ScoringSet }> {
  const meta = (await ctx.inputMetadata(modelPort)) as unknown as ModelMetadata;
  if (!meta.signature)
    throw new StepInputError(`${what}: the "${modelPort}" input is not a trained model`);
  const sig = meta.signature;
  const model = await readFile(await ctx.inputPath(modelPort));
  const box = await openSandbox(ctx.workDir);
  try {
    const c = box.connection;
    await loadDataset(c, await ctx.inputPath(dataPort), "data");
    const cols = new Set((await columnsOf(c, "data")).map((col) => col.name));
    const missing = [...sig.inputs.map((i) => i.column), sig.label].filter((n) => !cols.has(n));
    if (missing.length)
      throw new StepInputError(
        `${what}: the dataset lacks ${missing.map((m) => `"${m}"`).join(", ")}. The model takes raw rows (its preprocessing is inside it): connect the split from before the prep steps, e.g. the Split node's test output`,
      );
    const label = quoteIdent(sig.label);
    const keep = sig.classes
      ? `${label}::VARCHAR IN (${sig.classes.map((k) => quoteLiteral(String(k))).join(", ")})`
      : `${label} IS NOT NULL`;
    const [counts] = (
      await c.runAndReadAll(
        `SELECT count(*)::BIGINT AS total, count(*) FILTER (WHERE ${keep})::BIGINT AS kept FROM data`,
      )
    ).getRowObjects();
    const rows = Number(counts?.kept ?? 0);
    const dropped = Number(counts?.total ?? 0) - rows;
    if (dropped) ctx.log(`${dropped} rows with a missing or unknown label left out`);
    if (rows === 0) throw new StepInputError(`${what}: no rows with a known label to score`);
    const inputs: InputColumns = Object.fromEntries(
      sig.inputs.map((i) => [
        i.name,
        i.type === "string" ? new Array<string>(rows) : new Float64Array(rows),
      ]),
    );
    const truth = new Float64Array(rows);
    const index = new Map((sig.classes ?? []).map((k, i) => [String(k), i]));
    const select = [
      ...sig.inputs.map((i) =>
        i.type === "string"
          ? `${quoteIdent(i.column)}::VARCHAR`
          : `${quoteIdent(i.column)}::DOUBLE`,
      ),
      sig.classes ? `${label}::VARCHAR` : `${label}::DOUBLE`,
    ].join(", ");
    const reader = await c.stream(`SELECT ${select} FROM data WHERE ${keep}`);
    let offset = 0;
    for (;;) {
      const chunk = await reader.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      sig.inputs.forEach((input, j) => {
        const vector = chunk.getColumnVector(j);
        const target = inputs[input.name]!;
        for (let r = 0; r < chunk.rowCount; r++) {
          const v = vector.getItem(r);
          if (Array.isArray(target)) target[offset + r] = v === null ? "" : String(v);
          else target[offset + r] = v === null ? NaN : Number(v);
        }
      });
      const y = chunk.getColumnVector(sig.inputs.length);
      for (let r = 0; r < chunk.rowCount; r++) {
        const v = y.getItem(r);
        truth[offset + r] = sig.classes ? index.get(String(v))! : Number(v);
      }
      offset += chunk.rowCount;
    }
    return { model, meta, set: { rows, inputs, truth } };
  } finally {
    box.close();
  }
}

export function inputTensor(
  input: ModelInput,
  values: Float64Array | string[],
  from: number,
  to: number,
) {
  const n = to - from;
  return Array.isArray(values)
    ? new ort.Tensor("string", values.slice(from, to), [n, 1])
    : new ort.Tensor("float64", values.subarray(from, to), [n, 1]);
}

/**
 * Runs an exported model over input columns in batches: classifier probabilities (rows × classes)
 * or regression predictions. This is the path serving takes too.
 */
export async function runModel(
  session: ort.InferenceSession,
  sig: Signature,
  inputs: InputColumns,
  rows: number,
): Promise<Float64Array> {
  const width = sig.classes?.length ?? 1;
  const out = new Float64Array(rows * width);
  for (let from = 0; from < rows; from += BATCH) {
    const to = Math.min(rows, from + BATCH);
    const feeds = Object.fromEntries(
      sig.inputs.map((i) => [i.name, inputTensor(i, inputs[i.name]!, from, to)]),
    );
    const r = await session.run(feeds);
    const data = (sig.classes ? r.probabilities! : r.prediction!).data as Float32Array;
    for (let i = 0; i < data.length; i++) out[from * width + i] = data[i]!;
  }
  return out;
}
