import { z } from "zod";
import { defineNode } from "../types";

export const ingestPostgres = defineNode({
  type: "ingest.postgres",
  category: "ingest",
  title: "PostgreSQL query",
  description:
    "Runs a read-only query against a saved PostgreSQL connection and stores the rows as a dataset.",
  version: 1,
  internal: false,
  inputs: [],
  outputs: [{ name: "dataset", kind: "dataset", label: "Dataset", required: true }],
  params: z.object({
    connection: z.string().min(1).max(100).meta({
      label: "Connection",
      help: "The name of a saved connection (Settings → Connections).",
    }),
    query: z.string().min(1).max(100_000).meta({
      label: "Query",
      widget: "textarea",
      help: "A SELECT; it runs in a read-only transaction.",
    }),
    timeoutSeconds: z.number().int().min(1).max(3600).default(300).meta({ label: "Timeout (s)" }),
  }),
  runtime: { taskQueue: "cpu", timeoutMs: 3_700_000, retries: 2, heartbeatMs: null, gpu: false },
});
