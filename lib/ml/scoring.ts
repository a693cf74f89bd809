import { readFile } from "node:fs/promises";
import type { StepIO } from "../data/step-io";
import { StepInputError } from "../errors";
import { columnsOf } from "../data/columns";
import { loadDataset } from "../data/dataset";
import { openSandbox, quoteIdent, quoteLiteral } from "../data/sandbox";
import type { DuckDBConnection } from "@duckdb/node-api";
import { isNumeric } from "../data/dataset";
import { preprocessingOf } from "../data/preprocessing";
import { applyRowSteps, toRowValues, type RowSource } from "../data/row-steps";
import type { Signature } from "./export";
import { graphColumns } from "./served";
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
  /** Each row's position in the file (0 for its first row), when the rows are the file's. */
  fileRows?: Float64Array;
  /** Columns of the scored rows asked for besides the inputs (text or numbers; null missing). */
  kept?: Record<string, (string | number | null)[]>;
}

const BATCH = 65_536;

/**
 * Loads a model artifact and a labelled dataset holding the model's raw input columns. When row
 * steps run before the model's graph, the rows scored are the file's rows behind the dataset
 * (recorded by the split), sent as a client sends them: through exactly what the endpoint runs.
 * `sig` is the signature to score with: the model's, or its graph's alone when the dataset's rows
 * cannot be traced back to the file.
 */
export async function loadScoringSet(
  ctx: StepIO,
  modelPort: string,
  dataPort: string,
  what: string,
  /** Columns of the rows to keep beside each scored row (a per-group report's). */
  keepColumns: string[] = [],
): Promise<{ model: Uint8Array; meta: ModelMetadata; sig: Signature; set: ScoringSet }> {
  const meta = (await ctx.inputMetadata(modelPort)) as unknown as ModelMetadata;
  if (!meta.signature)
    throw new StepInputError(`${what}: the "${modelPort}" input is not a trained model`);
  const t = meta.signature.transform;
  const { source } = preprocessingOf(await ctx.inputMetadata(dataPort));
  const fileRows = source?.rows;
  if (t && !fileRows)
    ctx.log(
      `scored the dataset's rows with the model's graph alone; the row steps before it (${t.steps.map((s) => s.what ?? s.op).join(", ")}) were not checked: ${source?.untraceable ?? "the rows cannot be traced back to the file"}`,
    );
  const sig: Signature =
    t && !fileRows
      ? { ...meta.signature, inputs: t.graphInputs, transform: undefined }
      : meta.signature;
  const model = await readFile(await ctx.inputPath(modelPort));
  const box = await openSandbox(ctx.workDir);
  try {
    const c = box.connection;
    if (source && fileRows) {
      await loadDataset(c, await ctx.artifactPath(fileRows.hash, "file-rows.parquet"), "data");
      const set = await fileScoringSet(c, sig, source, what, keepColumns);
      if (set.dropped) ctx.log(`${set.dropped} rows with a missing or unknown label left out`);
      ctx.log(
        `scored ${set.rows} rows of the file through the endpoint's path (row steps, then the graph)`,
      );
      return { model, meta, sig, set };
    }
    await loadDataset(c, await ctx.inputPath(dataPort), "data");
    const schema = await columnsOf(c, "data");
    const cols = new Set(schema.map((col) => col.name));
    const missing = [...sig.inputs.map((i) => i.column), sig.label].filter((n) => !cols.has(n));
    const unknownKept = keepColumns.filter((k) => !cols.has(k));
    if (unknownKept.length)
      throw new StepInputError(
        `${what}: the dataset has no column ${unknownKept.map((k) => `"${k}"`).join(", ")} to keep`,
      );
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
    // Read in the same order as the scored rows: the same filter over the same view.
    const kept = keepColumns.length
      ? keptValues(
          await readColumns(
            c,
            `(SELECT * FROM data WHERE ${keep})`,
            schema
              .filter((col) => keepColumns.includes(col.name))
              .map((col) => ({ column: col.name, text: !isNumeric(col.type) })),
          ),
        )
      : undefined;
    return { model, meta, sig, set: { rows, inputs, truth, kept } };
  } finally {
    box.close();
  }
}

/** Columns of a relation as a model reads them: doubles (NaN when missing) or text ("" when missing). */
async function readColumns(
  c: DuckDBConnection,
  relation: string,
  columns: { column: string; text: boolean }[],
): Promise<InputColumns> {
  const select = columns
    .map((x) => `${quoteIdent(x.column)}::${x.text ? "VARCHAR" : "DOUBLE"}`)
    .join(", ");
  const values = (await c.runAndReadAll(`SELECT ${select} FROM ${relation}`)).getColumns();
  return Object.fromEntries(
    columns.map((x, k) => {
      const v = values[k] ?? [];
      return [
        x.column,
        x.text
          ? v.map((y) => (y === null ? "" : String(y as string)))
          : Float64Array.from(v, (y) => (y === null ? NaN : Number(y))),
      ];
    }),
  );
}

/** Kept columns as predictions store them: missing values (NaN, "") as null. */
function keptValues(
  columns: InputColumns,
  rows?: number[],
): Record<string, (string | number | null)[]> {
  return Object.fromEntries(
    Object.entries(columns).map(([name, v]) => {
      const at = (r: number) => {
        const x = v[r];
        return x === undefined || x === "" || (typeof x === "number" && Number.isNaN(x)) ? null : x;
      };
      return [name, rows ? rows.map(at) : Array.from({ length: v.length }, (_, r) => at(r))];
    }),
  );
}

/**
 * The file's rows behind a test split: the inputs a client sends (by input name), and the label
 * as the row steps compute it from the whole row (a client does not send it).
 */
async function fileScoringSet(
  c: DuckDBConnection,
  sig: Signature,
  t: Pick<RowSource, "columns" | "steps">,
  what: string,
  keepColumns: string[] = [],
): Promise<ScoringSet & { dropped: number }> {
  const have = new Set(t.columns.map((col) => col.name));
  const unknownKept = keepColumns.filter((k) => !have.has(k));
  if (unknownKept.length)
    throw new StepInputError(
      `${what}: the file has no column ${unknownKept.map((k) => `"${k}"`).join(", ")} to keep`,
    );
  const missing = sig.inputs.filter((i) => !have.has(i.column));
  if (missing.length)
    throw new StepInputError(
      `${what}: the file lacks ${missing.map((m) => `"${m.column}"`).join(", ")}, which the model takes`,
    );
  const textType = (type: string) => !isNumeric(type) && type !== "BOOLEAN";
  const all = await readColumns(
    c,
    "data",
    t.columns.map((col) => ({ column: col.name, text: textType(col.type) })),
  );
  const total = (Object.values(all)[0] ?? []).length;
  const positions = (await readColumns(c, "data", [{ column: "__ff_row", text: false }]))
    .__ff_row as Float64Array;
  const label = await applyRowSteps({
    source: t.columns,
    steps: t.steps,
    rows: total,
    columns: toRowValues(all),
    want: [{ column: sig.label, text: Boolean(sig.classes) }],
    timeoutMs: 600_000,
  });
  const y = label[sig.label]!;
  const index = new Map((sig.classes ?? []).map((k, i) => [String(k), i]));
  const keep: number[] = [];
  const truth: number[] = [];
  for (let r = 0; r < total; r++) {
    if (Array.isArray(y)) {
      const k = index.get(y[r]!);
      if (y[r] !== "" && k !== undefined) {
        keep.push(r);
        truth.push(k);
      }
    } else if (!Number.isNaN(y[r]!)) {
      keep.push(r);
      truth.push(y[r]!);
    }
  }
  if (keep.length === 0) throw new StepInputError(`${what}: no rows with a known label to score`);
  const inputs: InputColumns = Object.fromEntries(
    sig.inputs.map((i) => {
      const v = all[i.column]!;
      return [
        i.name,
        Array.isArray(v) ? keep.map((r) => v[r]!) : Float64Array.from(keep, (r) => v[r]!),
      ];
    }),
  );
  return {
    rows: keep.length,
    inputs,
    truth: Float64Array.from(truth),
    fileRows: Float64Array.from(keep, (r) => positions[r]!),
    kept: keepColumns.length
      ? keptValues(Object.fromEntries(keepColumns.map((k) => [k, all[k]!])), keep)
      : undefined,
    dropped: total - keep.length,
  };
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
    let feeds: Record<string, ort.Tensor>;
    if (sig.transform) {
      // Row steps first, as the endpoint runs them, on this batch's rows.
      const slice = Object.fromEntries(
        sig.inputs.map((i) => {
          const v = inputs[i.name]!;
          return [i.name, Array.isArray(v) ? v.slice(from, to) : v.subarray(from, to)];
        }),
      );
      const g = await graphColumns(sig, to - from, slice);
      feeds = Object.fromEntries(
        g.inputs.map((i) => [i.name, inputTensor(i, g.columns[i.name]!, 0, to - from)]),
      );
    } else
      feeds = Object.fromEntries(
        sig.inputs.map((i) => [i.name, inputTensor(i, inputs[i.name]!, from, to)]),
      );
    const r = await session.run(feeds);
    const data = (sig.classes ? r.probabilities! : r.prediction!).data as Float32Array;
    for (let i = 0; i < data.length; i++) out[from * width + i] = data[i]!;
  }
  return out;
}
