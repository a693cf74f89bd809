import type { TrainingData } from "./data";
import type { Features } from "./features";
import { rowMajor } from "./features";
import { predict as predictGbdt, trainGbdt, type GbdtParams } from "./gbdt";
import { trainRidge } from "./linear";
import {
  classificationMetrics,
  regressionMetrics,
  type ClassificationMetrics,
  type RegressionMetrics,
} from "./metrics";
import { trainNet, type NetModel, type NetParams } from "./neural";
import type { Trained } from "./export";

export type Algorithm = "linear" | "logistic" | "gbdt" | "mlp";

export interface FitHooks {
  signal?: AbortSignal;
  gpu?: boolean;
  /** onnxruntime intra-op threads (0: all cores). */
  threads?: number;
  onIteration?: (k: number, n: number, train: number, validation?: number) => void;
}

export interface FitResult {
  trained: Trained;
  curve: { iteration: number; train: number; validation?: number }[];
  importance?: { feature: string; gain: number; splits: number }[];
  provider: string;
}

export type AlgorithmParams = {
  linear: { alpha: number };
  logistic: Omit<NetParams, "hidden" | "head" | "outputs">;
  mlp: Omit<NetParams, "head" | "outputs">;
  gbdt: Omit<GbdtParams, "objective" | "numClasses">;
};

/** Trains one algorithm on prepared data; the task decides the head or objective. */
export async function fit<A extends Algorithm>(
  algorithm: A,
  params: AlgorithmParams[A],
  data: TrainingData,
  hooks: FitHooks = {},
): Promise<FitResult> {
  const k = data.classes?.length ?? 1;
  const { task } = data;
  const options = {
    validation: data.validation,
    signal: hooks.signal,
    gpu: hooks.gpu,
    threads: hooks.threads,
    onEpoch: hooks.onIteration,
    onRound: hooks.onIteration,
  };
  if (algorithm === "linear") {
    if (task !== "regression")
      throw new Error("linear regression predicts numbers; use logistic regression for classes");
    const net = trainRidge(data.train.X, data.train.y, (params as AlgorithmParams["linear"]).alpha);
    return { trained: { kind: "net", net }, curve: net.curve, provider: "cpu" };
  }
  if (algorithm === "gbdt") {
    const gbdt = await trainGbdt(
      data.train.X,
      data.train.y,
      {
        ...(params as AlgorithmParams["gbdt"]),
        objective: task,
        numClasses: task === "multiclass" ? k : 1,
      },
      options,
    );
    const importance = data.features.map((feature, j) => ({
      feature,
      gain: gbdt.importance.gain[j] ?? 0,
      splits: gbdt.importance.split[j] ?? 0,
    }));
    return { trained: { kind: "gbdt", gbdt }, curve: gbdt.curve, importance, provider: "cpu" };
  }
  if (algorithm === "logistic" && task === "regression")
    throw new Error("logistic regression predicts classes; use linear regression for numbers");
  const p = params as AlgorithmParams["mlp"];
  const net = await trainNet(
    data.train.X,
    data.train.y,
    {
      ...p,
      hidden: algorithm === "mlp" ? p.hidden : [],
      head: task === "multiclass" ? "softmax" : task === "binary" ? "sigmoid" : "identity",
      outputs: task === "multiclass" ? k : 1,
    },
    options,
  );
  return { trained: { kind: "net", net }, curve: net.curve, provider: net.provider };
}

function predictNet(net: NetModel, X: Features): Float64Array {
  let a = Float64Array.from(rowMajor(X));
  const rows = X.rows;
  net.layers.forEach((l, li) => {
    const out = new Float64Array(rows * l.outputs);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < l.outputs; o++) {
        let s = l.b[o]!;
        for (let i = 0; i < l.inputs; i++) s += a[r * l.inputs + i]! * l.W[i * l.outputs + o]!;
        out[r * l.outputs + o] = li < net.layers.length - 1 ? Math.max(0, s) : s;
      }
    }
    a = out;
  });
  const k = net.layers.at(-1)!.outputs;
  if (net.head === "sigmoid") return a.map((z) => 1 / (1 + Math.exp(-z)));
  if (net.head === "softmax")
    for (let r = 0; r < rows; r++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, a[r * k + c]!);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += a[r * k + c] = Math.exp(a[r * k + c]! - max);
      for (let c = 0; c < k; c++) a[r * k + c]! /= sum;
    }
  return a;
}

/** Predictions of the trained model in TypeScript: probabilities (rows × classes) or values. */
export function predictTrained(t: Trained, X: Features, task: TrainingData["task"]): Float64Array {
  const raw = t.kind === "net" ? predictNet(t.net, X) : predictGbdt(t.gbdt, X);
  if (task !== "binary") return raw;
  const two = new Float64Array(X.rows * 2);
  for (let i = 0; i < X.rows; i++) {
    two[i * 2] = 1 - raw[i]!;
    two[i * 2 + 1] = raw[i]!;
  }
  return two;
}

export function score(
  task: TrainingData["task"],
  classes: (string | number)[] | undefined,
  truth: Float64Array,
  predicted: ArrayLike<number>,
): ClassificationMetrics | RegressionMetrics {
  return task === "regression"
    ? regressionMetrics(truth, predicted)
    : classificationMetrics(truth, predicted, (classes ?? []).map(String));
}
