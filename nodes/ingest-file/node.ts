import { z } from "zod";
import { csvParams } from "../ingest-ports";
import { defineNode } from "../types";

export const ingestFile = defineNode({
  type: "ingest.file",
  category: "ingest",
  title: "File from the data directory",
  description:
    "Reads a CSV, TSV, Parquet or JSON-lines file from the server's data directory (DATA_FILES_DIR); paths cannot leave it.",
  version: 1,
  internal: false,
  inputs: [],
  outputs: [{ name: "dataset", kind: "dataset", label: "Dataset", required: true }],
  params: z.object({
    path: z
      .string()
      .min(1)
      .max(1000)
      .meta({ label: "Path", help: "Relative to the data directory, e.g. sales/2026.csv" }),
    format: z
      .enum(["auto", "csv", "tsv", "parquet", "jsonl"])
      .default("auto")
      .meta({ label: "Format", help: "auto: from the file extension." }),
    nullValues: z.array(z.string()).default(["", "NA"]).meta({
      label: "Missing values",
      widget: "columns",
      help: "Text read as missing (CSV and TSV).",
    }),
    ...csvParams,
  }),
  runtime: { taskQueue: "cpu", timeoutMs: 3_600_000, retries: 2, heartbeatMs: null, gpu: false },
});
