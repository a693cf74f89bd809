import { z } from "zod";
import { defineNode } from "../types";

export const prepSplit = defineNode({
  type: "prep.split",
  category: "prep",
  title: "Split",
  description:
    "Splits rows into train, validation and test: random, stratified by a column, or by time. Seeded.",
  version: 1,
  internal: false,
  inputs: [{ name: "input", kind: "dataset", label: "Dataset", required: true }],
  outputs: [
    { name: "train", kind: "dataset", label: "Train", required: true, bundle: "splits" },
    { name: "validation", kind: "dataset", label: "Validation", required: true, bundle: "splits" },
    { name: "test", kind: "dataset", label: "Test", required: true, bundle: "splits" },
  ],
  params: z
    .object({
      method: z.enum(["random", "stratified", "time"]).default("random").meta({ label: "Method" }),
      validation: z.number().min(0).max(0.9).default(0.15).meta({ label: "Validation share" }),
      test: z.number().min(0).max(0.9).default(0.15).meta({ label: "Test share" }),
      column: z.string().default("").meta({
        label: "Column",
        widget: "column",
        help: "Stratify by this column, or order by it for a time split.",
      }),
      seed: z.number().int().default(42).meta({ label: "Seed" }),
      label: z.string().default("").meta({
        label: "Label (target)",
        widget: "column",
        help: "The column the models learn to predict. Rows without one are left out of every split; later steps leave it alone, and trainers take it unless they name another.",
      }),
      ids: z.array(z.string().min(1)).default([]).meta({
        label: "Id columns",
        widget: "columns",
        help: "Identify rows but predict nothing: never features, never asked of an endpoint's callers.",
      }),
      ignored: z.array(z.string().min(1)).default([]).meta({
        label: "Ignored columns",
        widget: "columns",
        help: "Kept in the data, never used as features.",
      }),
    })
    .refine((p) => p.validation + p.test < 1, {
      message: "validation + test must leave rows for training",
      path: ["test"],
    })
    .refine((p) => p.method === "random" || p.column !== "", {
      message: "this method needs a column",
      path: ["column"],
    }),
  outputColumns: ({ input }) => ({ train: input, validation: input, test: input }),
  docs: "The split is where a pipeline says what each column is for: the label (target), ids and ignored columns. These roles travel with the data: Impute, Encode and Scale leave them alone unless a column is named, trainers learn the label, and a deployed model asks its callers only for the feature columns.",
  runtime: { taskQueue: "cpu", timeoutMs: 1_800_000, retries: 2, heartbeatMs: null, gpu: false },
});
