import { z } from "zod";
import { defineTrainNode, seedParam, targetParams, taskParam } from "../train-ports";

export const gbdtParams = {
  trees: z.number().int().min(1).max(10_000).default(100).meta({ label: "Trees" }),
  learningRate: z.number().positive().max(1).default(0.1).meta({ label: "Learning rate" }),
  maxLeaves: z.number().int().min(2).max(4096).default(31).meta({ label: "Leaves per tree" }),
  maxDepth: z
    .number()
    .int()
    .min(-1)
    .max(64)
    .default(-1)
    .meta({ label: "Max depth", help: "-1: no limit besides the leaves." }),
  minDataInLeaf: z.number().int().min(1).default(20).meta({ label: "Min rows per leaf" }),
  minSumHessianInLeaf: z.number().min(0).default(0.001).meta({ label: "Min hessian per leaf" }),
  lambda: z.number().min(0).default(0).meta({ label: "L2 on leaf values" }),
  maxBins: z.number().int().min(2).max(255).default(255).meta({ label: "Histogram bins" }),
  featureFraction: z.number().gt(0).max(1).default(1).meta({ label: "Feature fraction per tree" }),
  earlyStoppingRounds: z
    .number()
    .int()
    .min(0)
    .default(10)
    .meta({ label: "Early stopping (rounds)", help: "With a validation split. 0: off." }),
  seed: seedParam,
};

export const trainGbdt = defineTrainNode({
  type: "train.gbdt",
  title: "Gradient-boosted trees",
  description:
    "Histogram-based boosted trees (like LightGBM) for classes or numbers, with feature importance.",
  params: z.object({ ...targetParams, task: taskParam, ...gbdtParams }),
  trainer: {
    algorithm: "gbdt",
    unit: "trees",
    tunable: {
      space: {
        learningRate: { min: 0.02, max: 0.3, log: true, int: false },
        maxLeaves: { min: 8, max: 64, log: true, int: true },
        minDataInLeaf: { min: 5, max: 60, log: true, int: true },
      },
      resource: "trees",
    },
  },
  eject: { language: "python" },
  docs: "Grows trees leaf by leaf on 255-bin feature histograms; missing values learn their own direction, so Impute is optional. Exports to ONNX as a TreeEnsembleRegressor followed by sigmoid or softmax.",
});
