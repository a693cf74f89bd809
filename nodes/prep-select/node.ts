import { z } from "zod";
import { defineNode } from "../types";

export const prepSelect = defineNode({
  type: "prep.select",
  category: "prep",
  title: "Select columns",
  description: "Keeps or drops columns, and renames them.",
  version: 1,
  internal: false,
  inputs: [{ name: "input", kind: "dataset", label: "Dataset", required: true }],
  outputs: [{ name: "dataset", kind: "dataset", label: "Dataset", required: true }],
  params: z.object({
    mode: z
      .enum(["keep", "drop"])
      .default("keep")
      .meta({ label: "Mode", help: "keep: only the listed columns; drop: all but them." }),
    columns: z
      .array(z.string().min(1))
      .default([])
      .meta({ label: "Columns", widget: "columns", help: "Empty keeps every column." }),
    rename: z.record(z.string().min(1), z.string().min(1).max(200)).default({}).meta({
      label: "Rename",
      widget: "json",
      help: 'Old name to new name, e.g. {"Body Mass (g)": "mass"}.',
    }),
  }),
  outputColumns: ({ input }, p) => {
    const listed = new Set(p.columns);
    const kept = input?.filter(
      (c) => p.columns.length === 0 || (p.mode === "keep") === listed.has(c.name),
    );
    return { dataset: kept?.map((c) => ({ name: p.rename[c.name] ?? c.name, type: c.type })) };
  },
  serving: "row",
  runtime: { taskQueue: "cpu", timeoutMs: 600_000, retries: 2, heartbeatMs: null, gpu: false },
  eject: { language: "typescript" },
});
