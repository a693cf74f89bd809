import { z } from "zod";
import { defineNode } from "../types";

export const prepValidate = defineNode({
  type: "prep.validate",
  category: "prep",
  title: "Validate data",
  description:
    "Checks expected columns and types, value ranges and null rates; fails the run or only reports, as you choose. Passes the data through.",
  version: 1,
  internal: false,
  inputs: [{ name: "input", kind: "dataset", label: "Dataset", required: true }],
  outputs: [
    { name: "dataset", kind: "dataset", label: "Dataset", required: true },
    { name: "report", kind: "metrics", label: "Report", required: true },
  ],
  params: z.object({
    onFailure: z.enum(["fail", "warn"]).default("fail").meta({ label: "When a check fails" }),
    columns: z
      .array(z.object({ name: z.string().min(1), type: z.string().optional() }))
      .default([])
      .meta({
        label: "Expected columns",
        widget: "json",
        help: '[{"name": "species", "type": "VARCHAR"}]',
      }),
    ranges: z
      .array(
        z.object({
          column: z.string().min(1),
          min: z.number().optional(),
          max: z.number().optional(),
        }),
      )
      .default([])
      .meta({ label: "Ranges", widget: "json", help: '[{"column": "body_mass_g", "min": 0}]' }),
    maxNullRate: z
      .record(z.string(), z.number().min(0).max(1))
      .default({})
      .meta({ label: "Max null rate", widget: "json", help: '{"sex": 0.05}' }),
  }),
  runtime: { taskQueue: "cpu", timeoutMs: 1_800_000, retries: 2, heartbeatMs: null, gpu: false },
});
