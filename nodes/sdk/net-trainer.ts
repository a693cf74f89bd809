import type { TrainingData } from "../../lib/ml/data";
import { trainedNet, trainNet, type NetParams } from "../../lib/ml/neural";
import type { FitHooks, FitResult } from "../../lib/ml/train";

/** Trains a network whose head follows the task (the logistic and neural-network trainers). */
export async function fitNet(
  params: Omit<NetParams, "head" | "outputs">,
  data: TrainingData,
  hooks: FitHooks,
): Promise<FitResult> {
  const { task } = data;
  const net = await trainNet(
    data.train.X,
    data.train.y,
    {
      ...params,
      head: task === "multiclass" ? "softmax" : task === "binary" ? "sigmoid" : "identity",
      outputs: task === "multiclass" ? (data.classes?.length ?? 1) : 1,
    },
    {
      validation: data.validation,
      signal: hooks.signal,
      gpu: hooks.gpu,
      threads: hooks.threads,
      onEpoch: hooks.onIteration,
    },
  );
  return { trained: trainedNet(net), curve: net.curve, provider: net.provider };
}
