/** Evaluation metrics over plain arrays: the same code scores training, tuning and evaluate steps. */

export interface CurvePoint {
  x: number;
  y: number;
  threshold: number;
}

export interface ClassificationMetrics {
  rows: number;
  accuracy: number;
  logLoss: number;
  rocAuc: number | null;
  macro: { precision: number; recall: number; f1: number };
  perClass: { class: string; precision: number; recall: number; f1: number; support: number }[];
  confusion: { classes: string[]; matrix: number[][] };
  /** Binary: the positive class's curves; multi-class: none (per-class AUCs are in perClass). */
  roc?: CurvePoint[];
  pr?: CurvePoint[];
}

export interface RegressionMetrics {
  rows: number;
  rmse: number;
  mae: number;
  r2: number;
  residuals: { predicted: number; residual: number }[];
}

const MAX_CURVE_POINTS = 200;
const MAX_RESIDUALS = 500;

/** Area under the ROC curve of scores for a binary truth, with ties averaged (Mann-Whitney). */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (!positive[order[k]!]) continue;
      pos++;
      rankSum += rank;
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return null;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

function curves(scores: ArrayLike<number>, positive: ArrayLike<boolean>) {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let totalPos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) totalPos++;
  const totalNeg = n - totalPos;
  const roc: CurvePoint[] = [{ x: 0, y: 0, threshold: Infinity }];
  const pr: CurvePoint[] = [];
  let tp = 0;
  let fp = 0;
  const step = Math.max(1, Math.floor(n / MAX_CURVE_POINTS));
  for (let i = 0; i < n; i++) {
    if (positive[order[i]!]) tp++;
    else fp++;
    const last = i === n - 1 || scores[order[i + 1]!] !== scores[order[i]!];
    if (!last || (i % step !== 0 && i !== n - 1)) continue;
    const threshold = scores[order[i]!]!;
    roc.push({ x: totalNeg ? fp / totalNeg : 0, y: totalPos ? tp / totalPos : 0, threshold });
    pr.push({ x: totalPos ? tp / totalPos : 0, y: tp / (tp + fp), threshold });
  }
  return { roc, pr };
}

/**
 * Scores class predictions. `truth` holds class indexes, `probs` the row-major probabilities
 * (rows × classes), and the predicted class is the most probable one.
 */
export function classificationMetrics(
  truth: ArrayLike<number>,
  probs: ArrayLike<number>,
  classes: string[],
): ClassificationMetrics {
  const k = classes.length;
  const n = truth.length;
  const matrix = classes.map(() => new Array<number>(k).fill(0));
  let correct = 0;
  let logLoss = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c]! > probs[i * k + best]!) best = c;
    const t = truth[i]!;
    matrix[t]![best]!++;
    if (best === t) correct++;
    logLoss -= Math.log(Math.min(1 - 1e-15, Math.max(1e-15, probs[i * k + t]!)));
  }
  const perClass = classes.map((name, c) => {
    const tp = matrix[c]![c]!;
    const support = matrix[c]!.reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, row) => a + row[c]!, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { class: name, precision, recall, f1, support };
  });
  const mean = (key: "precision" | "recall" | "f1") =>
    perClass.reduce((a, p) => a + p[key], 0) / Math.max(1, k);
  const column = (c: number) => Float64Array.from({ length: n }, (_, i) => probs[i * k + c]!);
  const isClass = (c: number) => Array.from({ length: n }, (_, i) => truth[i] === c);
  let auc: number | null;
  let roc: CurvePoint[] | undefined;
  let pr: CurvePoint[] | undefined;
  if (k === 2) {
    auc = rocAuc(column(1), isClass(1));
    ({ roc, pr } = curves(column(1), isClass(1)));
  } else {
    // One-vs-rest, macro-averaged over the classes present in the truth (scikit-learn's "ovr").
    const aucs = classes.map((_, c) => rocAuc(column(c), isClass(c))).filter((a) => a !== null);
    auc = aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : null;
  }
  return {
    rows: n,
    accuracy: n ? correct / n : 0,
    logLoss: n ? logLoss / n : 0,
    rocAuc: auc,
    macro: { precision: mean("precision"), recall: mean("recall"), f1: mean("f1") },
    perClass,
    confusion: { classes, matrix },
    roc,
    pr,
  };
}

export function regressionMetrics(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
): RegressionMetrics {
  const n = truth.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i]!;
  mean /= Math.max(1, n);
  let sse = 0;
  let sae = 0;
  let sst = 0;
  const residuals: RegressionMetrics["residuals"] = [];
  const step = Math.max(1, Math.floor(n / MAX_RESIDUALS));
  for (let i = 0; i < n; i++) {
    const r = truth[i]! - predicted[i]!;
    sse += r * r;
    sae += Math.abs(r);
    sst += (truth[i]! - mean) ** 2;
    if (i % step === 0 && residuals.length < MAX_RESIDUALS)
      residuals.push({ predicted: predicted[i]!, residual: r });
  }
  return {
    rows: n,
    rmse: Math.sqrt(sse / Math.max(1, n)),
    mae: sae / Math.max(1, n),
    r2: sst > 0 ? 1 - sse / sst : 0,
    residuals,
  };
}

/** The single number a tuner or a run table sorts by; higher is better for each of them. */
export function headline(
  m: ClassificationMetrics | RegressionMetrics,
  metric: string,
): { name: string; value: number; higherIsBetter: boolean } {
  const c = "accuracy" in m ? m : undefined;
  const r = "rmse" in m ? m : undefined;
  switch (metric) {
    case "accuracy":
    case "f1":
    case "rocAuc":
    case "logLoss":
      if (!c) throw new Error(`metric "${metric}" needs a classifier`);
      if (metric === "accuracy") return { name: metric, value: c.accuracy, higherIsBetter: true };
      if (metric === "f1") return { name: metric, value: c.macro.f1, higherIsBetter: true };
      if (metric === "logLoss") return { name: metric, value: c.logLoss, higherIsBetter: false };
      return { name: metric, value: c.rocAuc ?? c.accuracy, higherIsBetter: true };
    case "rmse":
    case "mae":
    case "r2":
      if (!r) throw new Error(`metric "${metric}" needs a regressor`);
      if (metric === "r2") return { name: metric, value: r.r2, higherIsBetter: true };
      return { name: metric, value: r[metric], higherIsBetter: false };
    default:
      throw new Error(`unknown metric "${metric}"`);
  }
}
