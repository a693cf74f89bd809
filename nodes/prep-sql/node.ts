import { z } from "zod";
import { defineNode } from "../types";

export const prepSql = defineNode({
  type: "prep.sql",
  category: "prep",
  title: "SQL",
  description:
    "One DuckDB SELECT over the input, which is the table `input`. No file or network access.",
  version: 1,
  internal: false,
  inputs: [{ name: "input", kind: "dataset", label: "Dataset", required: true }],
  outputs: [{ name: "dataset", kind: "dataset", label: "Dataset", required: true }],
  params: z.object({
    sql: z.string().min(1).max(100_000).default("SELECT * FROM input").meta({
      label: "Query",
      widget: "textarea",
      help: "A single SELECT; the input is the table `input`.",
    }),
  }),
  serving: "row",
  runtime: { taskQueue: "cpu", timeoutMs: 1_800_000, retries: 0, heartbeatMs: null, gpu: false },
  eject: { language: "typescript" },
});
