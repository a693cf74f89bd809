import { z } from "zod";
import { defineNode } from "../types";

export const internalNumbers = defineNode({
  type: "internal.numbers",
  category: "internal",
  title: "Numbers",
  description: "Emits a seeded list of integers. A test step of the foundation.",
  version: 1,
  internal: true,
  inputs: [],
  outputs: [{ name: "numbers", kind: "json", label: "Numbers", required: true }],
  params: z.object({
    count: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(10)
      .meta({ label: "Count", help: "How many numbers." }),
    seed: z.number().int().default(1).meta({ label: "Seed", help: "Same seed, same numbers." }),
  }),
  runtime: { taskQueue: "cpu", timeoutMs: 60_000, retries: 3, heartbeatMs: null, gpu: false },
});
