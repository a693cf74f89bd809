import { z } from "zod";
import { defineTrainNode, seedParam, targetParams } from "../train-ports";

export const trainLogistic = defineTrainNode({
  type: "train.logistic",
  title: "Logistic regression",
  description: "A linear classifier (binary or multi-class) with L2, trained by onnxruntime.",
  gpuCapable: true,
  params: z.object({
    ...targetParams,
    l2: z
      .number()
      .min(0)
      .default(0.0001)
      .meta({ label: "L2 strength", help: "Penalty per row: 1/(C·rows) in scikit-learn's terms." }),
    learningRate: z.number().positive().max(10).default(0.05).meta({ label: "Learning rate" }),
    epochs: z.number().int().min(1).max(100_000).default(100).meta({ label: "Epochs" }),
    batchSize: z.number().int().min(1).max(1_000_000).default(1024).meta({ label: "Batch size" }),
    earlyStoppingRounds: z.number().int().min(0).default(10).meta({
      label: "Early stopping (epochs)",
      help: "With a validation split: stop after this many epochs without improvement. 0: off.",
    }),
    seed: seedParam,
  }),
  trainer: {
    algorithm: "logistic",
    unit: "epochs",
    task: "classification",
    tunable: {
      space: {
        l2: { min: 0.000001, max: 0.1, log: true, int: false },
        learningRate: { min: 0.005, max: 0.2, log: true, int: false },
      },
      resource: "epochs",
    },
  },
  eject: { language: "python" },
  docs: "Softmax (or sigmoid for two classes) over a linear function of the features, trained with Adam. Every training step is an ONNX graph (forward, backward and update) run by onnxruntime, so a GPU worker trains it with CUDA or WebGPU.",
});
