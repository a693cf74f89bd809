import { z } from "zod";
import {
  defineNode,
  type NodeDefinition,
  type PortDefinition,
  type RuntimeDefaults,
} from "./types";

/** Train nodes learn on the train split and, when connected, stop early and score on validation. */
export const trainInputs: PortDefinition[] = [
  { name: "train", kind: "dataset", label: "Train", required: true, bundle: "splits" },
  { name: "validation", kind: "dataset", label: "Validation", required: false, bundle: "splits" },
];

export const trainOutputs: PortDefinition[] = [
  { name: "model", kind: "model", label: "Model", required: true },
  { name: "metrics", kind: "metrics", label: "Metrics", required: true },
];

export const targetParams = {
  label: z.string().default("").meta({
    label: "Label column",
    widget: "column",
    help: "Empty: the label chosen at the Split.",
  }),
  exclude: z.array(z.string().min(1)).default([]).meta({
    label: "Exclude columns",
    widget: "columns",
    help: "Columns that are not features (ids, timestamps).",
  }),
};

export const taskParam = z.enum(["auto", "classification", "regression"]).default("auto").meta({
  label: "Task",
  help: "auto: text, boolean and whole-number labels with few values are classes; other numbers are regression.",
});

export const seedParam = z.number().int().min(0).default(42).meta({ label: "Seed" });

export const trainRuntime: RuntimeDefaults = {
  taskQueue: "cpu",
  timeoutMs: 6 * 3_600_000,
  retries: 1,
  heartbeatMs: 60_000,
  gpu: false,
};

/**
 * A train node: the train ports and runtime, served as the model. The definition gives what is
 * its own: type, words, params, and the trainer declaration tune reads.
 */
export function defineTrainNode<P extends z.ZodType>(
  def: Omit<
    NodeDefinition<P>,
    "category" | "version" | "internal" | "inputs" | "outputs" | "runtime"
  > &
    Partial<Pick<NodeDefinition<P>, "version" | "runtime">> & {
      trainer: NonNullable<NodeDefinition<P>["trainer"]>;
    },
): NodeDefinition<P> {
  return defineNode({
    category: "train",
    version: 1,
    internal: false,
    inputs: trainInputs,
    outputs: trainOutputs,
    runtime: trainRuntime,
    serving: "model",
    ...def,
  });
}
