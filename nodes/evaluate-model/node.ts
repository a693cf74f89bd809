import { z } from "zod";
import { defineNode } from "../types";

export const evaluateModel = defineNode({
  type: "evaluate.model",
  category: "evaluate",
  title: "Evaluate model",
  description:
    "Scores the exported ONNX model on a held-out split: accuracy, F1, ROC-AUC, confusion matrix and curves, or RMSE, MAE and R².",
  version: 2,
  internal: false,
  inputs: [
    { name: "model", kind: "model", label: "Model", required: true },
    { name: "test", kind: "dataset", label: "Test (raw rows)", required: true },
  ],
  outputs: [
    { name: "metrics", kind: "metrics", label: "Metrics", required: true },
    { name: "predictions", kind: "dataset", label: "Predictions", required: false },
  ],
  params: z.object({
    keepColumns: z.array(z.string().min(1)).default([]).meta({
      label: "Keep for per-group reports",
      widget: "columns",
      help: "Columns of the test rows kept beside each prediction, besides the model's inputs (e.g. an attribute left out of the features), so a model card can report per group of them.",
    }),
  }),
  runtime: { taskQueue: "cpu", timeoutMs: 3_600_000, retries: 2, heartbeatMs: null, gpu: false },
  docs: "Runs the model exactly as it will be served: the file's rows behind the test split, through the row steps and the ONNX file (with its preprocessing) in onnxruntime. Connect a test split: the Split node's, or one a fitted step wrote. Predictions lists each scored row's position in the file, the actual and the predicted value, and the model's input columns as a client sends them, plus the columns kept for per-group reports.",
});
