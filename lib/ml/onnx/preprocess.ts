import { isNumeric, type ColumnSchema } from "../../data/dataset";
import type { PrepStep, Preprocessing } from "../../data/preprocessing";
import { ExportError } from "../../errors";
import type { GraphBuilder } from "./builder";

/** One model input: a raw column as a [N,1] tensor. Missing numbers are NaN, missing text "". */
export interface ModelInput {
  name: string;
  column: string;
  type: "double" | "string";
  /** The column's type in the training data, for error messages and the UI. */
  sourceType: string;
}

/** A column inside the graph: a double tensor, or a string tensor (with its recorded fill). */
export type OnnxValue = { kind: "num"; v: string } | { kind: "str"; v: string; missing?: string };

/** What a recorded prep step sees while it writes itself into the graph. */
export interface PrepOnnxScope {
  g: GraphBuilder;
  /** A column's value so far; a raw column becomes a model input the first time it is used. */
  get(column: string): OnnxValue;
  set(column: string, value: OnnxValue): void;
  delete(column: string): void;
  /** Keeps only these columns, renamed `from` → `to`; a column not produced is left out. */
  select(columns: { from: string; to: string }[]): void;
  /** A double scalar constant. */
  double(x: number): string;
}

/** How one recorded op (`PrepStep.op`) runs per record inside an exported model. */
export type PrepOnnxOp = (scope: PrepOnnxScope, step: PrepStep) => void;
export type PrepOnnxOps = Readonly<Record<string, PrepOnnxOp>>;

type Value = { kind: "raw"; column: ColumnSchema } | OnnxValue;

const inputName = (column: string, taken: Set<string>) => {
  const base = column.replace(/[^A-Za-z0-9_]/g, "_").replace(/^(?=\d)/, "_") || "col";
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
};

/**
 * Writes the recorded preprocessing as ONNX ops in front of a model: raw columns in, the
 * trained features out as one [N,F] float tensor. Each step is written by its op's builder (from
 * the node that recorded it); text columns are compared as strings and numbers as doubles, as
 * DuckDB did when the steps ran.
 */
export function buildPreprocessing(
  g: GraphBuilder,
  pre: Preprocessing,
  featureNames: string[],
  ops: PrepOnnxOps,
): { inputs: ModelInput[]; features: string } {
  const inputs: ModelInput[] = [];
  const taken = new Set<string>();
  let columns = new Map<string, Value>(pre.raw.map((c) => [c.name, { kind: "raw", column: c }]));

  const materialize = (name: string): OnnxValue => {
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
    const v: OnnxValue = text ? { kind: "str", v: input.name } : { kind: "num", v: input.name };
    columns.set(name, v);
    return v;
  };
  const scope: PrepOnnxScope = {
    g,
    get: materialize,
    set: (name, value) => void columns.set(name, value),
    delete: (name) => void columns.delete(name),
    select: (selected) => {
      const next = new Map<string, Value>();
      for (const { from, to } of selected) {
        const v = columns.get(from);
        if (v) next.set(to, v);
      }
      columns = next;
    },
    double: (x) => g.scalar(x, "double"),
  };

  for (const step of pre.steps) {
    const op = ops[step.op];
    if (!op) throw new ExportError(`no node writes the recorded step "${step.op}" into a model`);
    op(scope, step);
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
