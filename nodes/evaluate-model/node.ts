import { z } from "zod";
import { defineNode } from "../types";

export const evaluateModel = defineNode({
  type: "evaluate.model",
  category: "evaluate",
  title: "Evaluate model",
  description:
    "Scores the exported ONNX model on a held-out split: accuracy, F1, ROC-AUC, confusion matrix and curves, or RMSE, MAE and R².",
  version: 1,
  internal: false,
  inputs: [
    { name: "model", kind: "model", label: "Model", required: true },
    { name: "test", kind: "dataset", label: "Test (raw rows)", required: true },
  ],
  outputs: [
    { name: "metrics", kind: "metrics", label: "Metrics", required: true },
    { name: "predictions", kind: "dataset", label: "Predictions", required: false },
  ],
  params: z.object({}),
  runtime: { taskQueue: "cpu", timeoutMs: 3_600_000, retries: 2, heartbeatMs: null, gpu: false },
  docs: "Runs the model exactly as it will be served: the ONNX file, with its preprocessing, in onnxruntime, on raw rows. Connect the test split from before the prep steps (the Split node's test output).",
});
