import { z } from "zod";
import { splitColumns, splitInputs, splitOutputs } from "../split-ports";
import { defineNode } from "../types";

export const prepEncode = defineNode({
  type: "prep.encode",
  category: "prep",
  title: "Encode categories",
  description:
    "One-hot or ordinal encoding of text columns, with the categories seen in the train split.",
  version: 1,
  internal: false,
  inputs: splitInputs,
  outputs: splitOutputs,
  params: z.object({
    method: z.enum(["onehot", "ordinal"]).default("onehot").meta({ label: "Method" }),
    columns: z
      .array(z.string().min(1))
      .default([])
      .meta({ label: "Columns", widget: "columns", help: "Empty: every text column." }),
    exclude: z.array(z.string().min(1)).default([]).meta({
      label: "Exclude",
      widget: "columns",
      help: "Columns to leave as they are, e.g. the label.",
    }),
    maxCategories: z.number().int().min(2).max(1000).default(50).meta({
      label: "Max categories",
      help: "The most frequent ones; the rest count as unknown.",
    }),
  }),
  // Ordinal codes keep each named column's name (as INTEGER). The one-hot columns depend on the
  // categories the train split holds, and the default columns on the roles: known after a run.
  outputColumns: (inputs, p) =>
    p.method === "ordinal" && p.columns.length
      ? splitColumns(inputs, (c) =>
          p.columns.includes(c.name) && !p.exclude.includes(c.name) ? "INTEGER" : c.type,
        )
      : { train: undefined, validation: undefined, test: undefined },
  serving: "fitted",
  runtime: { taskQueue: "cpu", timeoutMs: 1_800_000, retries: 2, heartbeatMs: null, gpu: false },
});
