import { z } from "zod";
import { defineNode } from "../types";

export const prepDerive = defineNode({
  type: "prep.derive",
  category: "prep",
  title: "Derived column",
  description:
    "Adds (or replaces) a column computed by a DuckDB SQL expression over the row, e.g. body_mass_g / 1000.",
  version: 1,
  internal: false,
  inputs: [{ name: "input", kind: "dataset", label: "Dataset", required: true }],
  outputs: [{ name: "dataset", kind: "dataset", label: "Dataset", required: true }],
  params: z.object({
    column: z.string().min(1).max(200).meta({ label: "New column" }),
    expression: z.string().min(1).max(10_000).meta({
      label: "Expression",
      widget: "textarea",
      help: 'SQL over the row\'s columns; quote odd names: "Body Mass (g)" / 1000',
    }),
  }),
  // The new column goes last (or replaces one of the same name, which moves last); its type is
  // the expression's, known when it runs.
  outputColumns: ({ input }, p) => ({
    dataset: input && [
      ...input.filter((c) => c.name !== p.column),
      { name: p.column, type: "" },
    ],
  }),
  serving: "row",
  runtime: { taskQueue: "cpu", timeoutMs: 1_800_000, retries: 2, heartbeatMs: null, gpu: false },
  eject: { language: "typescript" },
});
