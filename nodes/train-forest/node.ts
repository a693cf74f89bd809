import { z } from "zod";
import { defineTrainNode, seedParam, targetParams, taskParam } from "../train-ports";

export const forestParams = {
  trees: z.number().int().min(1).max(5_000).default(100).meta({ label: "Trees" }),
  maxDepth: z
    .number()
    .int()
    .min(-1)
    .max(64)
    .default(12)
    .meta({ label: "Max depth", help: "-1: grow until the leaves are pure or too small." }),
  minSamplesLeaf: z.number().int().min(1).default(1).meta({ label: "Min rows per leaf" }),
  maxFeatures: z.enum(["auto", "sqrt", "log2", "third", "half", "all"]).default("auto").meta({
    label: "Features tried per split",
    help: "How many features each split picks from at random. auto: the square root of the feature count for classes, a third for numbers.",
  }),
  bootstrap: z.boolean().default(true).meta({
    label: "Bootstrap rows",
    help: "Each tree learns on rows drawn with replacement; off: every tree sees every row.",
  }),
  maxBins: z.number().int().min(2).max(255).default(255).meta({ label: "Histogram bins" }),
  seed: seedParam,
};

export const trainForest = defineTrainNode({
  type: "train.forest",
  title: "Random forest",
  description:
    "Many deep decision trees on random rows and features, averaged: for classes or numbers, with feature importance.",
  params: z.object({ ...targetParams, task: taskParam, ...forestParams }),
  trainer: {
    algorithm: "forest",
    unit: "trees",
    tunable: {
      space: {
        maxDepth: { min: 4, max: 20, log: false, int: true },
        minSamplesLeaf: { min: 1, max: 20, log: true, int: true },
      },
      resource: "trees",
    },
  },
  docs: "Each tree grows depth first on a bootstrap sample of the rows, splitting on 255-bin feature histograms (Gini impurity for classes, variance for numbers) among a random subset of the features at every node; the forest averages the trees' class probabilities or values. Missing values learn their own direction, so Impute is optional. The loss curve is out-of-bag (each row scored by the trees that did not see it) when bootstrapping, else on the training rows. Exports to ONNX as one TreeEnsembleRegressor.",
});
