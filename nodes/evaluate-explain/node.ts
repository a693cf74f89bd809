import { z } from "zod";
import { defineNode } from "../types";

export const evaluateExplain = defineNode({
  type: "evaluate.explain",
  category: "evaluate",
  title: "Explain model",
  description:
    "Permutation feature importance: how much the score drops when one input column is shuffled.",
  version: 1,
  internal: false,
  inputs: [
    { name: "model", kind: "model", label: "Model", required: true },
    { name: "test", kind: "dataset", label: "Data (raw rows)", required: true },
  ],
  outputs: [{ name: "importance", kind: "metrics", label: "Importance", required: true }],
  params: z.object({
    repeats: z.number().int().min(1).max(20).default(3).meta({ label: "Repeats" }),
    maxRows: z
      .number()
      .int()
      .min(10)
      .max(1_000_000)
      .default(10_000)
      .meta({ label: "Rows used", help: "A seeded sample keeps it fast on large data." }),
    seed: z.number().int().min(0).default(42).meta({ label: "Seed" }),
  }),
  runtime: { taskQueue: "cpu", timeoutMs: 3_600_000, retries: 2, heartbeatMs: null, gpu: false },
});
