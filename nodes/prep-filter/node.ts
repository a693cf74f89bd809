import { z } from "zod";
import { defineNode } from "../types";

export const filterOps = [
  "=",
  "!=",
  "<",
  "<=",
  ">",
  ">=",
  "is null",
  "is not null",
  "contains",
  "in",
] as const;

export const prepFilter = defineNode({
  type: "prep.filter",
  category: "prep",
  title: "Filter rows",
  description:
    "Keeps the rows that meet all (or any) of the conditions. Values are passed as query parameters, never pasted into SQL.",
  version: 1,
  internal: false,
  inputs: [{ name: "input", kind: "dataset", label: "Dataset", required: true }],
  outputs: [{ name: "dataset", kind: "dataset", label: "Dataset", required: true }],
  params: z.object({
    combine: z.enum(["all", "any"]).default("all").meta({ label: "Keep rows meeting" }),
    conditions: z
      .array(
        z.object({
          column: z.string().min(1),
          op: z.enum(filterOps),
          value: z
            .union([
              z.string(),
              z.number(),
              z.boolean(),
              z.array(z.union([z.string(), z.number()])),
            ])
            .optional(),
        }),
      )
      .max(50)
      .default([])
      .meta({
        label: "Conditions",
        widget: "json",
        help: '[{"column": "species", "op": "=", "value": "Adelie"}]',
      }),
  }),
  outputColumns: ({ input }) => ({ dataset: input }),
  serving: "rows",
  runtime: { taskQueue: "cpu", timeoutMs: 600_000, retries: 2, heartbeatMs: null, gpu: false },
  eject: { language: "typescript" },
});
