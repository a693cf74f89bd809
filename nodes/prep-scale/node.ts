import { z } from "zod";
import { splitInputs, splitOutputs } from "../split-ports";
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
  runtime: { taskQueue: "cpu", timeoutMs: 1_800_000, retries: 2, heartbeatMs: null, gpu: false },
});
