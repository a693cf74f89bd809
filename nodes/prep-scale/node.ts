import { z } from "zod";
import { isNumericType, splitColumns, splitInputs, splitOutputs } from "../split-ports";
import { defineNode } from "../types";

export const prepScale = defineNode({
  type: "prep.scale",
  category: "prep",
  title: "Scale",
  description:
    "Standardizes (mean 0, std 1) or min-max scales numeric columns with the train split's statistics.",
  version: 1,
  internal: false,
  inputs: splitInputs,
  outputs: splitOutputs,
  params: z.object({
    method: z.enum(["standard", "minmax"]).default("standard").meta({ label: "Method" }),
    columns: z
      .array(z.string().min(1))
      .default([])
      .meta({ label: "Columns", widget: "columns", help: "Empty: every numeric column." }),
    exclude: z.array(z.string().min(1)).default([]).meta({
      label: "Exclude",
      widget: "columns",
      help: "Columns to leave as they are, e.g. the label.",
    }),
  }),
  outputColumns: (inputs, p) =>
    splitColumns(inputs, (c) =>
      (p.columns.length ? p.columns.includes(c.name) : isNumericType(c.type)) &&
      !p.exclude.includes(c.name)
        ? "DOUBLE"
        : c.type,
    ),
  serving: "fitted",
  runtime: { taskQueue: "cpu", timeoutMs: 1_800_000, retries: 2, heartbeatMs: null, gpu: false },
});
