import { z } from "zod";
import { searchSpace } from "./space";
import { seedParam, targetParams, taskParam } from "../train-ports";
import { defineNode, type NodeDefinition } from "../types";

/**
 * The tune node for the trainers of the catalog: every definition that declares a tunable
 * `trainer` is offered, by its algorithm name.
 */
export function defineTuneSearch(trainers: readonly NodeDefinition[]) {
  const algorithms = trainers.flatMap((t) => (t.trainer?.tunable ? [t.trainer.algorithm] : []));
  const [first, ...rest] = algorithms;
  if (!first) throw new Error("tune.search: no tunable trainer in the catalog");
  return defineNode({
    type: "tune.search",
    category: "tune",
    title: "Tune hyperparameters",
    description:
      "Searches a trainer's params (grid, random or successive halving); trials run in parallel across workers.",
    version: 1,
    internal: false,
    gpuCapable: true,
    inputs: [
      { name: "train", kind: "dataset", label: "Train", required: true, bundle: "splits" },
      { name: "validation", kind: "dataset", label: "Validation", required: true, bundle: "splits" },
    ],
    outputs: [
      { name: "model", kind: "model", label: "Best model", required: true },
      { name: "metrics", kind: "metrics", label: "Trials", required: true },
    ],
    params: z.object({
      algorithm: z
        .enum([first, ...rest])
        .default(algorithms.includes("gbdt") ? "gbdt" : first)
        .meta({ label: "Trainer" }),
      ...targetParams,
      task: taskParam,
      strategy: z.enum(["random", "grid", "halving"]).default("random").meta({
        label: "Strategy",
        help: "halving: successive halving, more trees or epochs for the best third each round.",
      }),
      trials: z
        .number()
        .int()
        .min(1)
        .max(500)
        .default(8)
        .meta({ label: "Trial budget", help: "Configurations tried." }),
      parallelism: z.number().int().min(1).max(64).default(2).meta({ label: "Parallel trials" }),
      metric: z
        .enum(["auto", "accuracy", "f1", "rocAuc", "logLoss", "rmse", "mae", "r2"])
        .default("auto")
        .meta({
          label: "Validation metric",
          help: "auto: ROC-AUC (two classes), accuracy (more), RMSE (numbers).",
        }),
      space: searchSpace.default({}).meta({
        label: "Search space",
        widget: "json",
        help: 'Param to a range or values, e.g. {"learningRate": {"min": 0.01, "max": 0.3, "log": true}, "maxLeaves": {"values": [15, 31, 63]}}. Empty: a default space for the trainer.',
      }),
      fixed: z
        .record(z.string(), z.unknown())
        .default({})
        .meta({ label: "Fixed params", widget: "json", help: "Trainer params every trial uses." }),
      seed: seedParam,
    }),
    runtime: {
      taskQueue: "cpu",
      timeoutMs: 24 * 3_600_000,
      retries: 1,
      heartbeatMs: 60_000,
      gpu: false,
    },
    docs: "Each trial trains the chosen trainer on the train split and scores it on validation; trials are Temporal workflows of their own, so they spread over every worker polling the queue. Every trial's params, metrics and curve are tracked; the best model is the output.",
  });
}
