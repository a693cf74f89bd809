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

/** A column's value, built into the graph only when something needs it. */
export type LazyValue = () => OnnxValue;

/**
 * What a recorded prep step sees while it writes itself into the graph. Values are lazy: a step
 * wraps the value it transforms, and nothing is built (no model input is added) unless a
 * trained feature depends on it, so a column the model does not use, such as the label, never
 * becomes an input even when a step transformed it.
 */
export interface PrepOnnxScope {
  g: GraphBuilder;
  /** A column's value so far, or undefined when no earlier step produced it. */
  column(name: string): LazyValue | undefined;
  /** Sets a column's value; the function runs at most once, when a feature needs it. */
  set(column: string, value: LazyValue): void;
  delete(column: string): void;
  /** Keeps only these columns, renamed `from` → `to`; a column not produced is left out. */
  select(columns: { from: string; to: string }[]): void;
  /** A double scalar constant. */
  double(x: number): string;
}

/** Runs `fn` once, on first call. */
export function once<T>(fn: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = fn();
      done = true;
    }
    return value;
  };
}

/** How one recorded op (`PrepStep.op`) runs per record inside an exported model. */
export type PrepOnnxOp = (scope: PrepOnnxScope, step: PrepStep) => void;
export type PrepOnnxOps = Readonly<Record<string, PrepOnnxOp>>;

/** A model input's name for a column: letters, digits and _, unique among `taken`. */
export const inputName = (column: string, taken: Set<string>) => {
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
  // A raw column becomes a model input the first time a feature needs it.
  const raw = (column: ColumnSchema): LazyValue =>
    once(() => {
      const text = column.type === "VARCHAR";
      if (!text && !isNumeric(column.type) && column.type !== "BOOLEAN")
        throw new ExportError(
          `column "${column.name}" has type ${column.type}; a model takes numbers and text only`,
        );
      const input: ModelInput = {
        name: inputName(column.name, taken),
        column: column.name,
        type: text ? "string" : "double",
        sourceType: column.type,
      };
      inputs.push(input);
      g.input(input.name, input.type, ["N", 1]);
      return text ? { kind: "str", v: input.name } : { kind: "num", v: input.name };
    });
  let columns = new Map<string, LazyValue>(pre.raw.map((c) => [c.name, raw(c)]));
  const scope: PrepOnnxScope = {
    g,
    column: (name) => columns.get(name),
    set: (name, value) => void columns.set(name, once(value)),
    delete: (name) => void columns.delete(name),
    select: (selected) => {
      const next = new Map<string, LazyValue>();
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

  const materialize = (name: string): OnnxValue => {
    const value = columns.get(name);
    if (!value) throw new ExportError(`column "${name}" is not produced by the recorded steps`);
    return value();
  };
  const parts = featureNames.map((name) => {
    const v = materialize(name);
    if (v.kind === "str")
      throw new ExportError(
        `feature "${name}" is text; add an Encode step before training to turn it into numbers`,
      );
    return v.v;
  });
  const joined = parts.length === 1 ? parts[0]! : g.op("Concat", parts, { axis: { i: 1 } });
  // Inputs in the order of the file's columns, whatever order the features needed them in.
  const order = pre.raw.map((c) => c.name);
  inputs.sort((a, b) => order.indexOf(a.column) - order.indexOf(b.column));
  g.orderInputs(inputs.map((i) => i.name));
  return { inputs, features: g.op("Cast", [joined], { to: { i: 1 } }) };
}
