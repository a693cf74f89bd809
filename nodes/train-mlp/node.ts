import { z } from "zod";
import { defineTrainNode, seedParam, targetParams, taskParam } from "../train-ports";

export const trainMlp = defineTrainNode({
  type: "train.mlp",
  title: "Neural network (MLP)",
  description: "A multilayer perceptron with ReLU layers, trained by onnxruntime on CPU or GPU.",
  gpuCapable: true,
  params: z.object({
    ...targetParams,
    task: taskParam,
    hidden: z.array(z.number().int().min(1).max(4096)).min(1).max(8).default([64]).meta({
      label: "Hidden layers",
      widget: "json",
      help: "Units per hidden layer, e.g. [64, 32].",
    }),
    l2: z.number().min(0).default(0.0001).meta({ label: "L2 strength" }),
    learningRate: z.number().positive().max(10).default(0.001).meta({ label: "Learning rate" }),
    epochs: z.number().int().min(1).max(100_000).default(200).meta({ label: "Epochs" }),
    batchSize: z.number().int().min(1).max(1_000_000).default(200).meta({ label: "Batch size" }),
    earlyStoppingRounds: z
      .number()
      .int()
      .min(0)
      .default(10)
      .meta({ label: "Early stopping (epochs)" }),
    seed: seedParam,
  }),
  trainer: {
    algorithm: "mlp",
    unit: "epochs",
    tunable: {
      space: {
        learningRate: { min: 0.0003, max: 0.01, log: true, int: false },
        l2: { min: 0.000001, max: 0.01, log: true, int: false },
      },
      resource: "epochs",
    },
  },
  docs: "Dense layers with ReLU, softmax/sigmoid for classes or a linear output for numbers, trained with Adam on mini-batches. Scale the features first. Training runs as ONNX graphs in onnxruntime: on a GPU worker through CUDA or WebGPU.",
});
