import { isNumeric } from "../data/dataset";
import type { Preprocessing } from "../data/preprocessing";
import { applyRowSteps, rowStepNeeds, toRowValues } from "../data/row-steps";
import type { ServedTransform, Signature } from "./export";
import { GraphBuilder } from "./onnx/builder";
import {
  buildPreprocessing,
  inputName,
  type ModelInput,
  type PrepOnnxOps,
} from "./onnx/preprocess";

/**
 * What a model trained on `pre` takes when row steps ran before it: the file's columns that its
 * features are computed from, less those in `notInputs` (the label), and
 * the steps that turn them into the graph's inputs. `warn` hears of a feature computed from a
 * column no client sends (a leak of the label).
 */
export async function servedInputs(
  pre: Preprocessing & { source: NonNullable<Preprocessing["source"]> },
  features: string[],
  ops: PrepOnnxOps,
  notInputs: Set<string>,
  warn: (message: string) => void,
): Promise<{ inputs: ModelInput[]; transform: ServedTransform }> {
  // The graph's inputs, from a throwaway graph: the columns the features need after the row steps.
  const graphInputs = buildPreprocessing(new GraphBuilder("probe"), pre, features, ops).inputs;
  const needs = await rowStepNeeds({
    source: pre.source.columns,
    steps: pre.source.steps,
    want: graphInputs.map((i) => i.column),
  });
  const leaked = needs.filter((n) => notInputs.has(n));
  if (leaked.length)
    warn(
      `features are computed from ${leaked.map((n) => `"${n}"`).join(", ")}, the label, which a client does not send: the endpoint will see it missing, and evaluation scores what it then answers`,
    );
  const taken = new Set<string>();
  const types = new Map(pre.source.columns.map((c) => [c.name, c.type]));
  const inputs = needs
    .filter((n) => !notInputs.has(n))
    .map((column): ModelInput => {
      const sourceType = types.get(column) ?? "VARCHAR";
      return {
        name: inputName(column, taken),
        column,
        type: isNumeric(sourceType) || sourceType === "BOOLEAN" ? "double" : "string",
        sourceType,
      };
    });
  return {
    inputs,
    transform: { source: pre.source.columns, steps: pre.source.steps, graphInputs },
  };
}

/**
 * A request's columns (by the signature's input names) through the row steps: the graph's
 * inputs (by their names). Without row steps, the columns are the graph's inputs already.
 */
export async function graphColumns(
  sig: Signature,
  rows: number,
  columns: Record<string, Float64Array | string[]>,
): Promise<{ inputs: ModelInput[]; columns: Record<string, Float64Array | string[]> }> {
  const t = sig.transform;
  if (!t) return { inputs: sig.inputs, columns };
  const byColumn: Record<string, Float64Array | string[]> = {};
  for (const i of sig.inputs) {
    const values = columns[i.name];
    if (values) byColumn[i.column] = values;
  }
  const out = await applyRowSteps({
    source: t.source,
    steps: t.steps,
    rows,
    columns: toRowValues(byColumn),
    want: t.graphInputs.map((i) => ({ column: i.column, text: i.type === "string" })),
  });
  return {
    inputs: t.graphInputs,
    columns: Object.fromEntries(t.graphInputs.map((i) => [i.name, out[i.column]!])),
  };
}
