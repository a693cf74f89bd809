import { z } from "zod";
import { defineNode } from "../types";

export const sampleDatasets = ["penguins", "penguins-raw"] as const;

export const ingestSample = defineNode({
  type: "ingest.sample",
  category: "ingest",
  title: "Sample dataset",
  description: "A built-in dataset (see examples/data): the Palmer penguins, tidy or as recorded.",
  version: 1,
  internal: false,
  inputs: [],
  outputs: [{ name: "dataset", kind: "dataset", label: "Dataset", required: true }],
  params: z.object({
    dataset: z.enum(sampleDatasets).default("penguins").meta({
      label: "Dataset",
      help: "penguins: 344 rows, 8 columns; penguins-raw: 17 columns as recorded.",
    }),
  }),
  runtime: { taskQueue: "cpu", timeoutMs: 300_000, retries: 2, heartbeatMs: null, gpu: false },
});
