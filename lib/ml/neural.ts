import { requireFinite, rowMajor, type Features } from "./features";
import type { TrainedModel } from "./export";
import { GraphBuilder } from "./onnx/builder";
import { openSession, ort, type Provider } from "./ort";
import { mulberry32, shuffledIndex } from "./random";

/**
 * Logistic regression and multilayer perceptrons trained by onnxruntime itself: one ONNX graph
 * holds the forward pass, the backward pass written out as ops, and an Adam update, so the same
 * training code runs on the CPU, CUDA or WebGPU execution providers.
 */

/** `linear` is `identity` on a standardized target, used inside training only. */
export type Head = "sigmoid" | "softmax" | "identity" | "linear";

export interface NetParams {
  hidden: number[];
  head: Head;
  /** Width of the output layer: classes for softmax, 1 otherwise. */
  outputs: number;
  l2: number;
  learningRate: number;
  epochs: number;
  batchSize: number;
  earlyStoppingRounds: number;
  seed: number;
}

export interface Layer {
  inputs: number;
  outputs: number;
  W: Float32Array;
  b: Float32Array;
}

export interface NetModel {
  head: Head;
  featureNames: string[];
  layers: Layer[];
  bestEpoch: number;
  curve: { iteration: number; train: number; validation?: number }[];
  provider: Provider;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

const paramNames = (layers: number) =>
  Array.from({ length: layers }, (_, l) => [`W${l}`, `b${l}`]).flat();

/** The forward pass on `x`, returning the output layer's pre-activation and each layer's values. */
export function forward(
  g: GraphBuilder,
  x: string,
  layers: number,
  names: (p: string) => string = (p) => p,
): { logits: string; acts: string[]; pre: string[] } {
  const acts = [x];
  const pre: string[] = [];
  let a = x;
  for (let l = 0; l < layers; l++) {
    const z = g.op("Gemm", [a, names(`W${l}`), names(`b${l}`)]);
    pre.push(z);
    a = l < layers - 1 ? g.op("Relu", [z]) : z;
    if (l < layers - 1) acts.push(a);
  }
  return { logits: a, acts, pre };
}

/** Applies the head to logits: probabilities for classifiers, values for regression. */
export function head(g: GraphBuilder, logits: string, h: Head): string {
  if (h === "sigmoid") return g.op("Sigmoid", [logits]);
  if (h === "softmax") return g.op("Softmax", [logits], { axis: { i: 1 } });
  return logits;
}

function lossOf(g: GraphBuilder, logits: string, y: string, h: Head, invB: string): string {
  const axes = g.constant({ type: "int64", dims: [2], data: [0, 1] });
  let perRow: string;
  if (h === "softmax") {
    perRow = g.op("Neg", [g.op("Mul", [y, g.op("LogSoftmax", [logits], { axis: { i: 1 } })])]);
  } else if (h === "sigmoid") {
    perRow = g.op("Sub", [g.op("Softplus", [logits]), g.op("Mul", [y, logits])]);
  } else {
    const d = g.op("Sub", [logits, y]);
    perRow = g.op("Mul", [g.op("Mul", [d, d]), g.scalar(0.5)]);
  }
  return g.op("Mul", [g.op("ReduceSum", [perRow, axes], { keepdims: { i: 0 } }), invB]);
}

/** Forward, backward and Adam update in one graph; every parameter and moment is fed and returned. */
export function trainingGraph(features: number, sizes: number[], h: Head, l2: number): Uint8Array {
  const g = new GraphBuilder("train_step");
  const layers = sizes.length;
  const out = sizes[layers - 1]!;
  const x = g.input("X", "float", ["B", features]);
  const y = g.input("Y", "float", ["B", out]);
  const invB = g.input("invB", "float", []);
  const lr = g.input("lr", "float", []);
  const shapes: Record<string, number[]> = {};
  let width = features;
  for (const [l, size] of sizes.entries()) {
    shapes[`W${l}`] = [width, size];
    shapes[`b${l}`] = [size];
    width = size;
  }
  for (const [p, shape] of Object.entries(shapes))
    for (const suffix of ["", "_m", "_v"]) g.input(`${p}${suffix}`, "float", shape);
  const { logits, acts, pre } = forward(g, x, layers);
  const data = lossOf(g, logits, y, h, invB);
  let penalty = g.scalar(0);
  for (let l = 0; l < layers; l++) {
    const w = `W${l}`;
    penalty = g.op("Add", [
      penalty,
      g.op("ReduceSum", [g.op("Mul", [w, w])], { keepdims: { i: 0 } }),
    ]);
  }
  g.op("Add", [data, g.op("Mul", [penalty, g.scalar(l2 / 2)])], {}, { outputs: ["loss"] });
  g.output("loss", "float", []);

  // Every head's loss has the same gradient with respect to the logits: (prediction - y) / B.
  let dz = g.op("Mul", [g.op("Sub", [head(g, logits, h), y]), invB]);
  const zeroAxis = g.constant({ type: "int64", dims: [1], data: [0] });
  const grads: Record<string, string> = {};
  for (let l = layers - 1; l >= 0; l--) {
    grads[`W${l}`] = g.op("Add", [
      g.op("Gemm", [acts[l]!, dz], { transA: { i: 1 } }),
      g.op("Mul", [`W${l}`, g.scalar(l2)]),
    ]);
    grads[`b${l}`] = g.op("ReduceSum", [dz, zeroAxis], { keepdims: { i: 0 } });
    if (l > 0) {
      const da = g.op("Gemm", [dz, `W${l}`], { transB: { i: 1 } });
      const active = g.op("Cast", [g.op("Greater", [pre[l - 1]!, g.scalar(0)])], { to: { i: 1 } });
      dz = g.op("Mul", [da, active]);
    }
  }
  for (const p of paramNames(layers)) {
    const grad = grads[p]!;
    const m = g.op(
      "Add",
      [g.op("Mul", [`${p}_m`, g.scalar(BETA1)]), g.op("Mul", [grad, g.scalar(1 - BETA1)])],
      {},
      { outputs: [`${p}_m_next`] },
    );
    const v = g.op(
      "Add",
      [
        g.op("Mul", [`${p}_v`, g.scalar(BETA2)]),
        g.op("Mul", [g.op("Mul", [grad, grad]), g.scalar(1 - BETA2)]),
      ],
      {},
      { outputs: [`${p}_v_next`] },
    );
    const step = g.op("Div", [
      g.op("Mul", [m, lr]),
      g.op("Add", [g.op("Sqrt", [v]), g.scalar(EPS)]),
    ]);
    g.op("Sub", [p, step], {}, { outputs: [`${p}_next`] });
    for (const suffix of ["_next", "_m_next", "_v_next"])
      g.output(`${p}${suffix}`, "float", shapes[p]!);
  }
  return g.toBytes();
}

/** The loss of the current parameters on a dataset, without the penalty: the validation curve. */
function lossGraph(features: number, sizes: number[], h: Head): Uint8Array {
  const g = new GraphBuilder("loss");
  const layers = sizes.length;
  const x = g.input("X", "float", ["B", features]);
  const y = g.input("Y", "float", ["B", sizes[layers - 1]!]);
  const invB = g.input("invB", "float", []);
  let width = features;
  for (const [l, size] of sizes.entries()) {
    g.input(`W${l}`, "float", [width, size]);
    g.input(`b${l}`, "float", [size]);
    width = size;
  }
  const { logits } = forward(g, x, layers);
  g.identity(lossOf(g, logits, y, h, invB), "loss");
  g.output("loss", "float", []);
  return g.toBytes();
}

function targets(
  y: Float64Array,
  rows: Uint32Array | null,
  from: number,
  to: number,
  h: Head,
  k: number,
) {
  const width = h === "softmax" ? k : 1;
  const out = new Float32Array((to - from) * width);
  for (let r = from; r < to; r++) {
    const v = y[rows ? rows[r]! : r]!;
    if (h === "softmax") out[(r - from) * width + v] = 1;
    else out[r - from] = v;
  }
  return { data: out, width };
}

function initLayers(features: number, sizes: number[], seed: number, zero: boolean): Layer[] {
  const rand = mulberry32(seed);
  let width = features;
  return sizes.map((size) => {
    // Glorot-uniform weights and biases, as scikit-learn's MLP; a logistic model starts at zero.
    const bound = zero ? 0 : Math.sqrt(6 / (width + size));
    const draw = () => (rand() * 2 - 1) * bound;
    const W = Float32Array.from({ length: width * size }, draw);
    const layer = { inputs: width, outputs: size, W, b: Float32Array.from({ length: size }, draw) };
    width = size;
    return layer;
  });
}

export async function trainNet(
  X: Features,
  y: Float64Array,
  params: NetParams,
  options: {
    validation?: { X: Features; y: Float64Array };
    signal?: AbortSignal;
    gpu?: boolean;
    threads?: number;
    onEpoch?: (epoch: number, total: number, train: number, validation?: number) => void;
  } = {},
): Promise<NetModel> {
  if (X.rows === 0) throw new Error("no training rows");
  requireFinite(X);
  if (params.head === "identity") return trainRegressor(X, y, params, options);
  if (options.validation) requireFinite(options.validation.X);
  const features = X.names.length;
  const sizes = [...params.hidden, params.outputs];
  const { session, provider } = await openSession(
    trainingGraph(features, sizes, params.head, params.l2),
    { gpu: options.gpu, threads: options.threads },
  );
  const evalSession = options.validation
    ? (
        await openSession(lossGraph(features, sizes, params.head), {
          gpu: options.gpu,
          threads: options.threads,
        })
      ).session
    : undefined;
  try {
    let layers = initLayers(features, sizes, params.seed, params.hidden.length === 0);
    const moments = layers.map((l): { W: Float32Array[]; b: Float32Array[] } => ({
      W: [new Float32Array(l.W.length), new Float32Array(l.W.length)],
      b: [new Float32Array(l.b.length), new Float32Array(l.b.length)],
    }));
    const all = rowMajor(X);
    const valX = options.validation ? rowMajor(options.validation.X) : undefined;
    const batch = Math.min(params.batchSize, X.rows);
    const rand = mulberry32(params.seed ^ 0x9e3779b9);
    const curve: NetModel["curve"] = [];
    let best = { loss: Infinity, epoch: 0, layers };
    let t = 0;
    const tensor = (d: Float32Array, dims: number[]) => new ort.Tensor("float32", d, dims);
    const feedsOf = (ls: Layer[]) =>
      Object.fromEntries(
        ls.flatMap((l, i) => [
          [`W${i}`, tensor(l.W, [l.inputs, l.outputs])],
          [`b${i}`, tensor(l.b, [l.outputs])],
        ]),
      );

    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      const order = batch < X.rows ? shuffledIndex(X.rows, rand) : null;
      let sum = 0;
      for (let from = 0; from < X.rows; from += batch) {
        const to = Math.min(from + batch, X.rows);
        const xb = order
          ? rowMajor(X, from, to, order)
          : from === 0 && to === X.rows
            ? all
            : all.subarray(from * features, to * features);
        const yb = targets(y, order, from, to, params.head, params.outputs);
        t++;
        const lrT = (params.learningRate * Math.sqrt(1 - BETA2 ** t)) / (1 - BETA1 ** t);
        const feeds: Record<string, ort.Tensor> = {
          X: tensor(xb, [to - from, features]),
          Y: tensor(yb.data, [to - from, yb.width]),
          invB: tensor(new Float32Array([1 / (to - from)]), []),
          lr: tensor(new Float32Array([lrT]), []),
          ...feedsOf(layers),
        };
        moments.forEach((m, i) => {
          const l = layers[i]!;
          feeds[`W${i}_m`] = tensor(m.W[0]!, [l.inputs, l.outputs]);
          feeds[`W${i}_v`] = tensor(m.W[1]!, [l.inputs, l.outputs]);
          feeds[`b${i}_m`] = tensor(m.b[0]!, [l.outputs]);
          feeds[`b${i}_v`] = tensor(m.b[1]!, [l.outputs]);
        });
        const r = await session.run(feeds);
        const data = (name: string) => r[name]!.data as Float32Array;
        layers = layers.map((l, i) => ({ ...l, W: data(`W${i}_next`), b: data(`b${i}_next`) }));
        moments.forEach((m, i) => {
          m.W = [data(`W${i}_m_next`), data(`W${i}_v_next`)];
          m.b = [data(`b${i}_m_next`), data(`b${i}_v_next`)];
        });
        sum += data("loss")[0]! * (to - from);
      }
      const train = sum / X.rows;
      let validation: number | undefined;
      if (evalSession && valX && options.validation) {
        const v = options.validation;
        const yv = targets(v.y, null, 0, v.X.rows, params.head, params.outputs);
        const r = await evalSession.run({
          X: tensor(valX, [v.X.rows, features]),
          Y: tensor(yv.data, [v.X.rows, yv.width]),
          invB: tensor(new Float32Array([1 / Math.max(1, v.X.rows)]), []),
          ...feedsOf(layers),
        });
        validation = (r.loss!.data as Float32Array)[0]!;
      }
      curve.push({ iteration: epoch, train, validation });
      options.onEpoch?.(epoch, params.epochs, train, validation);
      const score = validation ?? train;
      if (score < best.loss) best = { loss: score, epoch, layers };
      else if (
        params.earlyStoppingRounds > 0 &&
        validation !== undefined &&
        epoch - best.epoch >= params.earlyStoppingRounds
      )
        break;
      await new Promise((r) => setImmediate(r));
      if (options.signal?.aborted) throw options.signal.reason ?? new Error("aborted");
    }
    const kept = options.validation ? best : { epoch: curve.length, layers };
    return {
      head: params.head,
      featureNames: X.names,
      layers: kept.layers.map((l) => ({
        ...l,
        W: Float32Array.from(l.W),
        b: Float32Array.from(l.b),
      })),
      bestEpoch: kept.epoch,
      curve,
      provider,
    };
  } finally {
    await session.release();
    await evalSession?.release();
  }
}

/**
 * Regression targets are standardized for training (Adam's step size assumes unit-scale outputs),
 * and the scale is folded back into the output layer, so the model predicts in the target's units.
 */
async function trainRegressor(
  X: Features,
  y: Float64Array,
  params: NetParams,
  options: Parameters<typeof trainNet>[3],
): Promise<NetModel> {
  const stats = (v: Float64Array) => {
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) || 1;
    return { mean, sd };
  };
  const { mean, sd } = stats(y);
  const z = (v: Float64Array) => v.map((t) => (t - mean) / sd);
  const model = await trainNet(
    X,
    z(y),
    { ...params, head: "linear" },
    {
      ...options,
      validation: options?.validation && { X: options.validation.X, y: z(options.validation.y) },
    },
  );
  const last = model.layers.at(-1)!;
  last.W = last.W.map((w) => w * sd);
  last.b = last.b.map((b) => b * sd + mean);
  return { ...model, head: "identity" };
}

/** Appends the network to an export graph: features [N,F] float in, head output out. */
export function exportNet(g: GraphBuilder, x: string, model: NetModel): string {
  const prefix = g.fresh("net");
  model.layers.forEach((l, i) => {
    g.init(`${prefix}_W${i}`, { type: "float", dims: [l.inputs, l.outputs], data: l.W });
    g.init(`${prefix}_b${i}`, { type: "float", dims: [l.outputs], data: l.b });
  });
  const { logits } = forward(g, x, model.layers.length, (p) => `${prefix}_${p}`);
  return head(g, logits, model.head);
}

export function serializeNet(m: NetModel): unknown {
  return { ...m, layers: m.layers.map((l) => ({ ...l, W: Array.from(l.W), b: Array.from(l.b) })) };
}

export function deserializeNet(json: unknown): NetModel {
  const m = json as NetModel & {
    layers: { inputs: number; outputs: number; W: number[]; b: number[] }[];
  };
  return {
    ...m,
    layers: m.layers.map((l) => ({ ...l, W: Float32Array.from(l.W), b: Float32Array.from(l.b) })),
  };
}

/** The network's predictions in TypeScript, through its head. */
export function predictNet(net: NetModel, X: Features): Float64Array {
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

/** A trained network as the trainers hand it on: predictions, its ONNX form, the epoch kept. */
export const trainedNet = (net: NetModel): TrainedModel => ({
  predict: (X) => predictNet(net, X),
  toOnnx: (g, x) => exportNet(g, x, net),
  bestIteration: net.bestEpoch,
});
