import { z } from "zod";
import { defineNode } from "../types";

export const internalSum = defineNode({
  type: "internal.sum",
  category: "internal",
  title: "Sum",
  description: "Adds up a list of numbers. A test step of the foundation.",
  version: 1,
  internal: true,
  inputs: [{ name: "numbers", kind: "json", label: "Numbers", required: true }],
  outputs: [{ name: "summary", kind: "metrics", label: "Summary", required: true }],
  params: z.object({}),
  runtime: { taskQueue: "cpu", timeoutMs: 60_000, retries: 3, heartbeatMs: null, gpu: false },
});
