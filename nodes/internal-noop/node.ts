import { z } from "zod";
import { defineNode } from "../types";

export const internalNoop = defineNode({
  type: "internal.noop",
  category: "internal",
  title: "No-op",
  description:
    "Passes its input through (or emits an empty document). Measures orchestration overhead.",
  version: 1,
  internal: true,
  inputs: [{ name: "in", kind: "json", label: "In", required: false }],
  outputs: [{ name: "out", kind: "json", label: "Out", required: true }],
  params: z.object({
    tag: z
      .string()
      .max(200)
      .default("")
      .meta({ label: "Tag", help: "Any text; changing it changes the cache key." }),
  }),
  runtime: { taskQueue: "cpu", timeoutMs: 60_000, retries: 3, heartbeatMs: null, gpu: false },
});
