import { z } from "zod";
import type { PortDefinition, RuntimeDefaults } from "./types";

/** Train nodes learn on the train split and, when connected, stop early and score on validation. */
export const trainInputs: PortDefinition[] = [
  { name: "train", kind: "dataset", label: "Train", required: true },
  { name: "validation", kind: "dataset", label: "Validation", required: false },
];

export const trainOutputs: PortDefinition[] = [
  { name: "model", kind: "model", label: "Model", required: true },
  { name: "metrics", kind: "metrics", label: "Metrics", required: true },
];

export const targetParams = {
  label: z.string().min(1).meta({ label: "Label column", widget: "column" }),
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
