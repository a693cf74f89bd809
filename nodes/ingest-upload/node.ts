import { z } from "zod";
import { csvParams } from "../ingest-ports";
import { defineNode } from "../types";

export const ingestUpload = defineNode({
  type: "ingest.upload",
  category: "ingest",
  title: "Uploaded file",
  description:
    "A CSV, TSV, Parquet or JSON-lines file uploaded from the browser (in chunks; UPLOAD_MAX_BYTES limits the size).",
  version: 1,
  internal: false,
  inputs: [],
  outputs: [{ name: "dataset", kind: "dataset", label: "Dataset", required: true }],
  params: z.object({
    upload: z
      .object({
        hash: z.string().regex(/^[0-9a-f]{64}$/, "upload a file"),
        filename: z.string().min(1).max(500),
      })
      .meta({ label: "File", widget: "upload" }),
    format: z
      .enum(["auto", "csv", "tsv", "parquet", "jsonl"])
      .default("auto")
      .meta({ label: "Format", help: "auto: from the file name." }),
    nullValues: z.array(z.string()).default(["", "NA"]).meta({
      label: "Missing values",
      widget: "columns",
      help: "Text read as missing (CSV and TSV).",
    }),
    ...csvParams,
  }),
  runtime: { taskQueue: "cpu", timeoutMs: 3_600_000, retries: 2, heartbeatMs: null, gpu: false },
});
