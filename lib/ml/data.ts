import type { DuckDBConnection } from "@duckdb/node-api";
import { StepInputError } from "../errors";
import { columnsOf, requireColumns } from "../data/columns";
import { isNumeric } from "../data/dataset";
import { quoteIdent, quoteLiteral } from "../data/sandbox";
import type { Task } from "./export";
import { readFeatures, type Features } from "./features";

export interface Labeled {
  X: Features;
  /** Class index for classifiers, the target for regression. */
  y: Float64Array;
}

export interface TrainingData {
  task: Task;
  label: string;
  classes?: (string | number)[];
  features: string[];
  train: Labeled;
  validation?: Labeled;
  /** Rows left out for a missing (or, in validation, unseen) label. */
  dropped: { train: number; validation: number };
}

const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|HUGEINT)$/;
const MAX_AUTO_CLASSES = 20;

/**
 * Reads labelled splits loaded as the views `train` (and `validation`) into feature matrices:
 * every column but the label and the excluded ones is a feature and must be numeric by now.
 */
export async function loadTrainingData(
  c: DuckDBConnection,
  opts: {
    label: string;
    task: "auto" | "classification" | "regression";
    exclude: string[];
    validation: boolean;
    what: string;
  },
): Promise<TrainingData> {
  const cols = await columnsOf(c, "train");
  requireColumns(cols, [opts.label, ...opts.exclude], opts.what);
  const labelCol = cols.find((col) => col.name === opts.label)!;
  const q = quoteIdent(opts.label);
  const featureCols = cols.filter(
    (col) => col.name !== opts.label && !opts.exclude.includes(col.name),
  );
  const text = featureCols.filter((col) => !isNumeric(col.type) && col.type !== "BOOLEAN");
  if (text.length)
    throw new StepInputError(
      `${opts.what}: ${text.map((t) => `"${t.name}" is ${t.type}`).join(", ")}; features must be numbers: add an Encode step, or exclude the column`,
    );
  if (featureCols.length === 0) throw new StepInputError(`${opts.what}: no feature columns left`);

  let task: Task;
  let classes: (string | number)[] | undefined;
  const distinct = async () =>
    (
      await c.runAndReadAll(
        `SELECT DISTINCT ${q}::VARCHAR AS v FROM train WHERE ${q} IS NOT NULL ORDER BY 1 LIMIT ${MAX_AUTO_CLASSES * 50 + 1}`,
      )
    )
      .getRowObjects()
      .map((r) => String(r.v));
  const numericLabel = isNumeric(labelCol.type);
  if (
    opts.task === "regression" ||
    (opts.task === "auto" && numericLabel && !INTEGER.test(labelCol.type))
  ) {
    if (!numericLabel)
      throw new StepInputError(
        `${opts.what}: regression needs a numeric label; "${opts.label}" is ${labelCol.type}`,
      );
    task = "regression";
  } else {
    const values = await distinct();
    if (opts.task === "auto" && numericLabel && values.length > MAX_AUTO_CLASSES)
      task = "regression";
    else {
      if (values.length < 2)
        throw new StepInputError(
          `${opts.what}: the label "${opts.label}" has ${values.length} distinct value(s) in the training split; a classifier needs at least 2`,
        );
      if (values.length > MAX_AUTO_CLASSES * 50)
        throw new StepInputError(`${opts.what}: the label "${opts.label}" has too many classes`);
      classes = INTEGER.test(labelCol.type)
        ? values.map(Number).sort((a, b) => a - b)
        : values.sort();
      task = classes.length === 2 ? "binary" : "multiclass";
    }
  }

  const features = featureCols.map((col) => col.name);
  const read = async (
    split: "train" | "validation",
  ): Promise<{ data: Labeled; dropped: number }> => {
    const keep =
      classes && split === "validation"
        ? `${q}::VARCHAR IN (${classes.map((k) => quoteLiteral(String(k))).join(", ")})`
        : `${q} IS NOT NULL`;
    const view = `${split}_labelled`;
    await c.run(`CREATE OR REPLACE TEMP VIEW ${view} AS SELECT * FROM ${split} WHERE ${keep}`);
    const [counts] = (
      await c.runAndReadAll(
        `SELECT count(*)::BIGINT AS total, count(*) FILTER (WHERE ${keep})::BIGINT AS kept FROM ${split}`,
      )
    ).getRowObjects();
    const X = await readFeatures(c, view, features);
    const y = new Float64Array(X.rows);
    const index = new Map((classes ?? []).map((k, i) => [String(k), i]));
    const reader = await c.stream(
      `SELECT ${classes ? `${q}::VARCHAR` : `${q}::DOUBLE`} AS y FROM ${view}`,
    );
    let offset = 0;
    for (;;) {
      const chunk = await reader.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const vector = chunk.getColumnVector(0);
      for (let i = 0; i < chunk.rowCount; i++) {
        const v = vector.getItem(i);
        y[offset + i] = classes ? index.get(String(v))! : (v as number);
      }
      offset += chunk.rowCount;
    }
    return { data: { X, y }, dropped: Number(counts?.total ?? 0) - Number(counts?.kept ?? 0) };
  };
  const train = await read("train");
  if (train.data.X.rows === 0)
    throw new StepInputError(`${opts.what}: the training split has no rows with a label`);
  const validation = opts.validation ? await read("validation") : undefined;
  return {
    task,
    label: opts.label,
    classes,
    features,
    train: train.data,
    validation: validation?.data,
    dropped: { train: train.dropped, validation: validation?.dropped ?? 0 },
  };
}
