import { isNumeric, type ColumnSchema } from "../../data/dataset";
import type { Preprocessing } from "../../data/preprocessing";
import type { GraphBuilder } from "./builder";

/** One model input: a raw column as a [N,1] tensor. Missing numbers are NaN, missing text "". */
export interface ModelInput {
  name: string;
  column: string;
  type: "double" | "string";
  /** The column's type in the training data, for error messages and the UI. */
  sourceType: string;
}

type Value =
  | { kind: "raw"; column: ColumnSchema }
  | { kind: "num"; v: string }
  | { kind: "str"; v: string; missing?: string };

export class ExportError extends Error {
  override name = "ExportError";
}

const inputName = (column: string, taken: Set<string>) => {
  const base = column.replace(/[^A-Za-z0-9_]/g, "_").replace(/^(?=\d)/, "_") || "col";
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
};

/**
 * Writes the recorded preprocessing as ONNX ops in front of a model: raw columns in, the
 * trained features out as one [N,F] float tensor. Text columns are compared as strings and
 * numbers as doubles, as DuckDB did when the steps ran.
 */
export function buildPreprocessing(
  g: GraphBuilder,
  pre: Preprocessing,
  featureNames: string[],
): { inputs: ModelInput[]; features: string } {
  const inputs: ModelInput[] = [];
  const taken = new Set<string>();
  let columns = new Map<string, Value>(pre.raw.map((c) => [c.name, { kind: "raw", column: c }]));

  const materialize = (name: string): Exclude<Value, { kind: "raw" }> => {
    const value = columns.get(name);
    if (!value) throw new ExportError(`column "${name}" is not produced by the recorded steps`);
    if (value.kind !== "raw") return value;
    const { column } = value;
    const text = column.type === "VARCHAR";
    if (!text && !isNumeric(column.type) && column.type !== "BOOLEAN")
      throw new ExportError(
        `column "${name}" has type ${column.type}; a model takes numbers and text only`,
      );
    const input: ModelInput = {
      name: inputName(name, taken),
      column: name,
      type: text ? "string" : "double",
      sourceType: column.type,
    };
    inputs.push(input);
    g.input(input.name, input.type, ["N", 1]);
    const v: Exclude<Value, { kind: "raw" }> = text
      ? { kind: "str", v: input.name }
      : { kind: "num", v: input.name };
    columns.set(name, v);
    return v;
  };
  const dbl = (x: number) => g.scalar(x, "double");

  for (const step of pre.steps) {
    if (step.op === "select") {
      const next = new Map<string, Value>();
      for (const { from, to } of step.columns) {
        const v = columns.get(from);
        if (v) next.set(to, v);
      }
      columns = next;
    } else if (step.op === "impute") {
      for (const f of step.fill) {
        if (f.value === null) continue;
        const v = materialize(f.column);
        if (v.kind === "num")
          columns.set(f.column, {
            kind: "num",
            v: g.op("Where", [g.op("IsNaN", [v.v]), dbl(Number(f.value)), v.v]),
          });
        else columns.set(f.column, { ...v, missing: String(f.value) });
      }
    } else if (step.op === "scale") {
      for (const s of step.columns) {
        const v = materialize(s.column);
        if (v.kind !== "num") throw new ExportError(`scale: column "${s.column}" is text`);
        columns.set(s.column, {
          kind: "num",
          v: g.op("Div", [g.op("Sub", [v.v, dbl(s.offset)]), dbl(s.scale)]),
        });
      }
    } else {
      for (const e of step.columns) {
        const v = materialize(e.column);
        // Index of the category, -1 when unknown or missing, as the SQL CASE gave.
        let index: string;
        if (v.kind === "str") {
          const keys = [...e.categories];
          const values = e.categories.map((_, i) => i);
          if (v.missing !== undefined && !keys.includes("")) {
            const at = e.categories.indexOf(v.missing);
            if (at >= 0) {
              keys.push("");
              values.push(at);
            }
          }
          index = g.op(
            "LabelEncoder",
            [v.v],
            { keys_strings: { ss: keys }, values_int64s: { is: values }, default_int64: { i: -1 } },
            { domain: "ai.onnx.ml" },
          );
          index = g.op("Cast", [index], { to: { i: 11 } });
        } else {
          let sum = dbl(-1);
          e.categories.forEach((cat, i) => {
            const n = Number(cat);
            if (!Number.isFinite(n))
              throw new ExportError(`encode: category "${cat}" of "${e.column}" is not a number`);
            const hit = g.op("Cast", [g.op("Equal", [v.v, dbl(n)])], { to: { i: 11 } });
            sum = g.op("Add", [sum, g.op("Mul", [hit, dbl(i + 1)])]);
          });
          index = sum;
        }
        columns.delete(e.column);
        if (step.method === "ordinal") columns.set(e.column, { kind: "num", v: index });
        else
          e.categories.forEach((cat, i) =>
            columns.set(`${e.column}=${cat}`, {
              kind: "num",
              v: g.op("Cast", [g.op("Equal", [index, dbl(i)])], { to: { i: 11 } }),
            }),
          );
      }
    }
  }

  const parts = featureNames.map((name) => {
    const v = materialize(name);
    if (v.kind === "str")
      throw new ExportError(
        `feature "${name}" is text; add an Encode step before training to turn it into numbers`,
      );
    return v.v;
  });
  const joined = parts.length === 1 ? parts[0]! : g.op("Concat", parts, { axis: { i: 1 } });
  return { inputs, features: g.op("Cast", [joined], { to: { i: 1 } }) };
}
