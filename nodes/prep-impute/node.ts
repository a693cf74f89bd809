import { z } from "zod";
import { isNumericType, splitColumns, splitInputs, splitOutputs } from "../split-ports";
import { defineNode } from "../types";

export const prepImpute = defineNode({
  type: "prep.impute",
  category: "prep",
  title: "Impute",
  description: "Fills missing values with the train split's mean, median or mode, or a constant.",
  version: 1,
  internal: false,
  inputs: splitInputs,
  outputs: splitOutputs,
  params: z.object({
    strategy: z
      .enum(["mean", "median", "mode", "constant"])
      .default("mean")
      .meta({ label: "Strategy" }),
    columns: z.array(z.string().min(1)).default([]).meta({
      label: "Columns",
      widget: "columns",
      help: "Empty: every column the strategy applies to.",
    }),
    constant: z.union([z.string(), z.number()]).optional().meta({ label: "Constant" }),
  }),
  // A mean or median of whole numbers is fractional: those columns become DOUBLE.
  outputColumns: (inputs, p) =>
    splitColumns(inputs, (c) =>
      (p.strategy === "mean" || p.strategy === "median") &&
      isNumericType(c.type) &&
      (p.columns.length === 0 || p.columns.includes(c.name))
        ? "DOUBLE"
        : c.type,
    ),
  serving: "fitted",
  runtime: { taskQueue: "cpu", timeoutMs: 1_800_000, retries: 2, heartbeatMs: null, gpu: false },
});
