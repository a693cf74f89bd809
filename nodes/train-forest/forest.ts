import type { Features } from "../../lib/ml/features";
import {
  binColumn,
  binUpperBounds,
  checkAbort,
  checkFeatures,
  checkTarget,
  countMissing,
  leafOf,
  nextTick,
  sampleRows,
  sampleValues,
} from "../../lib/ml/binning";
import { mulberry32 } from "../../lib/ml/random";

export type ForestTask = "binary" | "multiclass" | "regression";

/** How many features each split draws from: a rule on the feature count. */
export type MaxFeatures = "auto" | "sqrt" | "log2" | "third" | "half" | "all";

export interface ForestParams {
  task: ForestTask;
  /** Classes (2 for binary, K >= 3 for multiclass); ignored for regression. */
  numClasses: number;
  trees: number;
  /** -1: no limit. */
  maxDepth: number;
  minSamplesLeaf: number;
  /** auto: sqrt for classes, a third for regression (Breiman's defaults). */
  maxFeatures: MaxFeatures;
  /** Each tree learns on n rows drawn with replacement; else on every row. */
  bootstrap: boolean;
  /** Value bins per feature, at most 255 (one more holds missing values, Uint8 bin indices). */
  maxBins: number;
  seed: number;
}

/**
 * One tree as node arrays, node 0 the root. An internal node sends a row left when
 * `value <= threshold` (float32 compare, as ONNX's BRANCH_LEQ does), a missing (NaN) value left
 * when `missingLeft` is 1. A leaf holds `outputs` values at `value[node * outputs]`: the class
 * distribution (multiclass), P(class 1) (binary) or the mean target (regression).
 */
export interface ForestTree {
  feature: Int32Array;
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  missingLeft: Uint8Array;
  isLeaf: Uint8Array;
  value: Float64Array;
}

export interface ForestModel {
  task: ForestTask;
  numClasses: number;
  /** Values per leaf and per prediction row: numClasses for multiclass, else 1. */
  outputs: number;
  featureNames: string[];
  trees: ForestTree[];
  /**
   * Per feature: mean decrease in impurity (weighted Gini or squared error, as a fraction of each
   * tree's root, averaged over the trees; scikit-learn's MDI before normalising) and split counts.
   */
  importance: { gain: number[]; split: number[] };
  /**
   * Loss after each tree: logloss (classes) or mean squared error (regression). `train` is
   * out-of-bag (each row scored by the trees that did not draw it) when bootstrapping, else on the
   * training rows; `validation` on the validation rows when given.
   */
  curve: { iteration: number; train: number; validation?: number }[];
}

export interface ForestOptions {
  validation?: { X: Features; y: Float64Array };
  signal?: AbortSignal;
  onTree?: (done: number, total: number, train: number, validation?: number) => void;
}

const PROB_EPS = 1e-15;

const outputsOf = (task: ForestTask, numClasses: number) =>
  task === "multiclass" ? numClasses : 1;

const classesOf = (p: ForestParams) => (p.task === "regression" ? 0 : p.numClasses);

function checkParams(p: ForestParams) {
  const fail = (what: string) => {
    throw new Error(`Random forest parameters: ${what}`);
  };
  if (p.task !== "regression" && p.task !== "binary" && p.task !== "multiclass")
    fail(`unknown task ${String(p.task)}`);
  if (p.task === "binary" && p.numClasses !== 2)
    fail(`binary needs numClasses 2, got ${p.numClasses}`);
  if (p.task === "multiclass" && (!Number.isInteger(p.numClasses) || p.numClasses < 3))
    fail(`multiclass needs numClasses >= 3, got ${p.numClasses}`);
  if (!Number.isInteger(p.trees) || p.trees < 1) fail(`trees must be a positive integer`);
  if (!Number.isInteger(p.maxDepth) || (p.maxDepth < 1 && p.maxDepth !== -1))
    fail(`maxDepth must be -1 or a positive integer`);
  if (!Number.isInteger(p.minSamplesLeaf) || p.minSamplesLeaf < 1)
    fail(`minSamplesLeaf must be a positive integer`);
  if (!["auto", "sqrt", "log2", "third", "half", "all"].includes(p.maxFeatures))
    fail(`unknown maxFeatures ${String(p.maxFeatures)}`);
  if (!Number.isInteger(p.maxBins) || p.maxBins < 2 || p.maxBins > 255)
    fail(`maxBins must be an integer in 2..255`);
  if (!Number.isFinite(p.seed)) fail(`seed must be a number`);
}

/** Features tried per split for `F` features. */
export function featuresPerSplit(rule: MaxFeatures, task: ForestTask, F: number): number {
  const r = rule === "auto" ? (task === "regression" ? "third" : "sqrt") : rule;
  const k =
    r === "sqrt"
      ? Math.sqrt(F)
      : r === "log2"
        ? Math.log2(F)
        : r === "third"
          ? F / 3
          : r === "half"
            ? F / 2
            : F;
  return Math.min(F, Math.max(1, Math.floor(k)));
}

interface Binned {
  /** Per feature: bin of each row (the missing bin is upper.length). */
  bins: Uint8Array[];
  upper: Float64Array[];
  /** Features with at least two non-empty bins (missing counts as one). */
  usable: Int32Array;
}

async function binFeatures(
  X: Features,
  maxBins: number,
  rng: () => number,
  signal?: AbortSignal,
): Promise<Binned> {
  const n = X.rows;
  const sample = sampleRows(n, rng);
  const buffer = new Float32Array(sample ? sample.length : n);
  const bins: Uint8Array[] = [];
  const upper: Float64Array[] = [];
  const usable: number[] = [];
  for (let f = 0; f < X.columns.length; f++) {
    await nextTick();
    checkAbort(signal);
    const col = X.columns[f]!;
    const k = sampleValues(col, sample, buffer);
    const ub = binUpperBounds(buffer.subarray(0, k).sort(), maxBins);
    const b = new Uint8Array(n);
    binColumn(col, ub, b);
    const missing = countMissing(col);
    upper.push(ub);
    bins.push(b);
    if (ub.length > 1 || (missing > 0 && missing < n)) usable.push(f);
  }
  return { bins, upper, usable: Int32Array.from(usable) };
}

/** Node arrays that grow as a tree does. */
class TreeArrays {
  feature = new Int32Array(64);
  threshold = new Float32Array(64);
  left = new Int32Array(64);
  right = new Int32Array(64);
  missingLeft = new Uint8Array(64);
  isLeaf = new Uint8Array(64);
  value: Float64Array;
  count = 0;

  constructor(readonly outputs: number) {
    this.value = new Float64Array(64 * outputs);
  }

  add(): number {
    if (this.count === this.feature.length) {
      const cap = this.count * 2;
      const grow = <T extends Int32Array | Float32Array | Uint8Array | Float64Array>(
        a: T,
        size: number,
      ): T => {
        const b = new (a.constructor as new (n: number) => T)(size);
        b.set(a);
        return b;
      };
      this.feature = grow(this.feature, cap);
      this.threshold = grow(this.threshold, cap);
      this.left = grow(this.left, cap);
      this.right = grow(this.right, cap);
      this.missingLeft = grow(this.missingLeft, cap);
      this.isLeaf = grow(this.isLeaf, cap);
      this.value = grow(this.value, cap * this.outputs);
    }
    const nd = this.count++;
    this.feature[nd] = -1;
    this.left[nd] = -1;
    this.right[nd] = -1;
    return nd;
  }

  finish(): ForestTree {
    const n = this.count;
    return {
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      missingLeft: this.missingLeft.slice(0, n),
      isLeaf: this.isLeaf.slice(0, n),
      value: this.value.slice(0, n * this.outputs),
    };
  }
}

interface Split {
  feature: number;
  /** Rows with a bin up to this one go left. */
  bin: number;
  missingLeft: boolean;
  /** Sum of squares over sides divided by side weight: the criterion's proxy, larger is better. */
  proxy: number;
}

/**
 * Grows the trees. Per tree, the in-bag rows sit in `idx`, each node's rows a contiguous range
 * that a split partitions in place. A node's histogram per drawn feature holds, per bin, the
 * bootstrap weight per class and the row count (classes), or the weight, weighted target sum and
 * row count (regression). Both criteria come down to maximising Σ_side (Σ stat)² / weight: Gini
 * impurity decrease for the class weights, variance reduction for the target sums.
 */
class ForestGrower {
  readonly n: number;
  /** Stats per bin: classes + rows, or weight + sum + rows. */
  readonly S: number;
  readonly C: number;
  readonly outputs: number;
  readonly mtry: number;
  readonly w: Float64Array;
  readonly idx: Uint32Array;
  readonly hist: Float64Array;
  readonly cum: Float64Array;
  readonly total: Float64Array;
  readonly perm: Int32Array;
  readonly gain: Float64Array;
  readonly split: Float64Array;

  constructor(
    readonly binned: Binned,
    readonly p: ForestParams,
    readonly y: Float64Array,
    readonly F: number,
    readonly rng: () => number,
  ) {
    this.n = y.length;
    this.C = classesOf(p);
    this.S = this.C > 0 ? this.C + 1 : 3;
    this.outputs = outputsOf(p.task, p.numClasses);
    this.mtry = Math.min(featuresPerSplit(p.maxFeatures, p.task, F), binned.usable.length);
    this.w = new Float64Array(this.n);
    this.idx = new Uint32Array(this.n);
    this.hist = new Float64Array(256 * this.S);
    this.cum = new Float64Array(this.S);
    this.total = new Float64Array(this.S);
    this.perm = binned.usable.slice();
    this.gain = new Float64Array(F);
    this.split = new Float64Array(F);
  }

  /** Draws the tree's rows (weights are draw counts); returns how many rows are in the bag. */
  private drawRows(): number {
    const { n, w, idx } = this;
    if (this.p.bootstrap) {
      w.fill(0);
      for (let i = 0; i < n; i++) w[Math.floor(this.rng() * n)]!++;
    } else w.fill(1);
    let m = 0;
    for (let i = 0; i < n; i++) if (w[i]! > 0) idx[m++] = i;
    return m;
  }

  /** Sums a node's stats into `total` (per-bin layout); returns whether the node is pure. */
  private nodeStats(begin: number, end: number): boolean {
    const { C, w, y, idx, total } = this;
    total.fill(0);
    if (C > 0) {
      for (let k = begin; k < end; k++) {
        const r = idx[k]!;
        total[y[r]!]! += w[r]!;
      }
      total[C] = end - begin;
      let W = 0;
      let max = 0;
      for (let c = 0; c < C; c++) {
        W += total[c]!;
        if (total[c]! > max) max = total[c]!;
      }
      return max === W;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = begin; k < end; k++) {
      const r = idx[k]!;
      const v = y[r]!;
      total[0]! += w[r]!;
      total[1]! += w[r]! * v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    total[2] = end - begin;
    return lo === hi;
  }

  /** Σ stat² / weight of the stats in `a` (the criterion's proxy for one side). */
  private proxyOf(a: Float64Array): number {
    if (this.C === 0) return a[0]! > 0 ? (a[1]! * a[1]!) / a[0]! : 0;
    let W = 0;
    let ss = 0;
    for (let c = 0; c < this.C; c++) {
      W += a[c]!;
      ss += a[c]! * a[c]!;
    }
    return W > 0 ? ss / W : 0;
  }

  private weightOf(a: Float64Array): number {
    if (this.C === 0) return a[0]!;
    let W = 0;
    for (let c = 0; c < this.C; c++) W += a[c]!;
    return W;
  }

  /** Histogram of feature f over rows [begin, end); returns how many bins hold rows. */
  private histogram(f: number, begin: number, end: number): number {
    const { C, S, w, y, idx, hist } = this;
    const bins = this.binned.bins[f]!;
    const nb = this.binned.upper[f]!.length;
    hist.fill(0, 0, (nb + 1) * S);
    if (C > 0) {
      for (let k = begin; k < end; k++) {
        const r = idx[k]!;
        const base = bins[r]! * S;
        hist[base + y[r]!]! += w[r]!;
        hist[base + C]!++;
      }
    } else {
      for (let k = begin; k < end; k++) {
        const r = idx[k]!;
        const base = bins[r]! * 3;
        const wr = w[r]!;
        hist[base]! += wr;
        hist[base + 1]! += wr * y[r]!;
        hist[base + 2]!++;
      }
    }
    let filled = 0;
    const rowsAt = S - 1;
    for (let b = 0; b <= nb; b++) if (hist[b * S + rowsAt]! > 0) filled++;
    return filled;
  }

  /**
   * Scans feature f's histogram (rows [.., ..) of `rows` rows, stats in `total`) for cuts better
   * than `best`: after each filled bin, with the missing rows on either side, and finally every
   * value left and the missing rows right.
   */
  private scan(f: number, rows: number, best: Split) {
    const { S, hist, cum } = this;
    const nb = this.binned.upper[f]!.length;
    const R = S - 1;
    const mo = nb * S;
    const missRows = hist[mo + R]!;
    cum.fill(0);
    let prev = -1;
    for (let b = 0; b < nb; b++) {
      const o = b * S;
      if (hist[o + R] === 0) continue;
      // The bins between the last filled one and this are empty here: cut in the middle of them.
      if (prev >= 0) this.tryCut(f, (prev + b - 1) >> 1, rows, mo, best);
      for (let s = 0; s < S; s++) cum[s]! += hist[o + s]!;
      prev = b;
    }
    if (prev >= 0 && missRows > 0) this.tryCut(f, nb - 1, rows, mo, best);
  }

  /** The cut after bin `bin` (left stats in `cum`), missing rows (bin stats at `mo`) either side. */
  private tryCut(f: number, bin: number, rows: number, mo: number, best: Split) {
    const { C, S, hist, cum, total } = this;
    const minLeaf = this.p.minSamplesLeaf;
    const R = S - 1;
    const missRows = hist[mo + R]!;
    for (let side = 0; side < 2; side++) {
      if (side === 1 && missRows === 0) break;
      const m = side; // 1: the missing rows go left
      const lRows = cum[R]! + m * missRows;
      if (lRows < minLeaf || rows - lRows < minLeaf) continue;
      let lW = 0;
      let rW = 0;
      let proxy: number;
      if (C > 0) {
        let lss = 0;
        let rss = 0;
        for (let c = 0; c < C; c++) {
          const l = cum[c]! + m * hist[mo + c]!;
          const r = total[c]! - l;
          lW += l;
          rW += r;
          lss += l * l;
          rss += r * r;
        }
        if (!(lW > 0 && rW > 0)) continue;
        proxy = lss / lW + rss / rW;
      } else {
        lW = cum[0]! + m * hist[mo]!;
        rW = total[0]! - lW;
        if (!(lW > 0 && rW > 0)) continue;
        const lS = cum[1]! + m * hist[mo + 1]!;
        const rS = total[1]! - lS;
        proxy = (lS * lS) / lW + (rS * rS) / rW;
      }
      if (proxy > best.proxy) {
        best.proxy = proxy;
        best.feature = f;
        best.bin = bin;
        // Without missing rows here, unseen missing values go to the heavier side.
        best.missingLeft = side === 1 || (missRows === 0 && lW >= rW);
      }
    }
  }

  /** Grows one tree on freshly drawn rows; importance is taken relative to its root's weight. */
  grow(): ForestTree {
    const { C, idx, outputs, perm, total, gain, split } = this;
    const { bins, upper } = this.binned;
    const { maxDepth, minSamplesLeaf } = this.p;
    const m = this.drawRows();
    const t = new TreeArrays(outputs);
    const rootWeight = (() => {
      let W = 0;
      for (let k = 0; k < m; k++) W += this.w[idx[k]!]!;
      return W;
    })();
    // Depth-first: a stack of (begin, end, depth, node).
    const stack: number[] = [0, m, 0, t.add()];
    const best: Split = { feature: -1, bin: 0, missingLeft: false, proxy: -Infinity };
    while (stack.length) {
      const nd = stack.pop()!;
      const depth = stack.pop()!;
      const end = stack.pop()!;
      const begin = stack.pop()!;
      const rows = end - begin;
      const pure = this.nodeStats(begin, end);
      const W = this.weightOf(total);
      const parentProxy = this.proxyOf(total);
      best.feature = -1;
      best.proxy = -Infinity;
      if (!pure && (maxDepth < 0 || depth < maxDepth) && rows >= 2 * minSamplesLeaf) {
        // Draw features without replacement until mtry of them vary in this node (scikit-learn
        // does not count constant ones either).
        let tried = 0;
        for (let i = 0; i < perm.length && tried < this.mtry; i++) {
          const j = i + Math.floor(this.rng() * (perm.length - i));
          const f = perm[j]!;
          perm[j] = perm[i]!;
          perm[i] = f;
          if (this.histogram(f, begin, end) < 2) continue;
          tried++;
          this.scan(f, rows, best);
        }
      }
      if (best.feature < 0) {
        t.isLeaf[nd] = 1;
        const o = nd * outputs;
        // The mean target (regression), P(class 1) (binary), or each class's share.
        if (outputs === 1) t.value[o] = total[1]! / W;
        else for (let c = 0; c < C; c++) t.value[o + c] = total[c]! / W;
        continue;
      }
      const f = best.feature;
      const tb = best.bin;
      const missingBin = upper[f]!.length;
      const ml = best.missingLeft;
      const fb = bins[f]!;
      // Partition [begin, end) in place: left rows first.
      let i = begin;
      let j = end - 1;
      while (i <= j) {
        const b = fb[idx[i]!]!;
        if (b <= tb || (b === missingBin && ml)) i++;
        else {
          const tmp = idx[i]!;
          idx[i] = idx[j]!;
          idx[j] = tmp;
          j--;
        }
      }
      gain[f]! += (best.proxy - parentProxy) / rootWeight;
      split[f]!++;
      const ln = t.add();
      const rn = t.add();
      t.isLeaf[nd] = 0;
      t.feature[nd] = f;
      t.threshold[nd] = upper[f]![tb]!;
      t.left[nd] = ln;
      t.right[nd] = rn;
      t.missingLeft[nd] = ml ? 1 : 0;
      stack.push(i, end, depth + 1, rn, begin, i, depth + 1, ln);
    }
    return t.finish();
  }
}

/**
 * Adds one tree's leaf values for the rows of X to out (rows × outputs) and counts them in
 * `count`: every row, or with `inBag` only the rows the tree did not draw (weight 0).
 */
function addTree(
  tree: ForestTree,
  columns: Float32Array[],
  rows: number,
  out: Float64Array,
  outputs: number,
  inBag?: Float64Array,
  count?: Float64Array,
) {
  const { value } = tree;
  for (let r = 0; r < rows; r++) {
    if (inBag && inBag[r] !== 0) continue;
    const o = leafOf(tree, columns, r) * outputs;
    const ro = r * outputs;
    for (let k = 0; k < outputs; k++) out[ro + k]! += value[o + k]!;
    if (count) count[r]!++;
  }
}

/** Mean loss of summed predictions (divided by `count` per row, or by `trees`), rows with count 0 left out. */
function lossOf(
  task: ForestTask,
  outputs: number,
  sum: Float64Array,
  y: Float64Array,
  count: Float64Array | null,
  trees: number,
): number {
  let loss = 0;
  let rows = 0;
  for (let r = 0; r < y.length; r++) {
    const c = count ? count[r]! : trees;
    if (c === 0) continue;
    rows++;
    if (task === "regression") {
      const d = sum[r]! / c - y[r]!;
      loss += d * d;
    } else {
      const p1 = task === "binary" ? sum[r]! / c : sum[r * outputs + y[r]!]! / c;
      const p = task === "binary" && y[r] === 0 ? 1 - p1 : p1;
      loss -= Math.log(Math.min(1, Math.max(PROB_EPS, p)));
    }
  }
  return rows ? loss / rows : NaN;
}

/** Trains a random forest on binned features. */
export async function trainForest(
  X: Features,
  y: Float64Array,
  params: ForestParams,
  options: ForestOptions = {},
): Promise<ForestModel> {
  const { validation, signal, onTree } = options;
  checkParams(params);
  if (X.rows <= 0) throw new Error("Random forest training: no rows");
  checkFeatures(X, "Random forest training data");
  if (X.columns.length === 0) throw new Error("Random forest training data: no feature columns");
  checkTarget(
    y,
    X.rows,
    params.task === "regression" ? null : params.numClasses,
    "Random forest training data",
  );
  if (validation) {
    if (validation.X.rows <= 0) throw new Error("Random forest validation data: no rows");
    checkFeatures(validation.X, "Random forest validation data", X.columns.length);
    checkTarget(
      validation.y,
      validation.X.rows,
      params.task === "regression" ? null : params.numClasses,
      "Random forest validation data",
    );
  }
  checkAbort(signal);

  const { task, trees: T } = params;
  const F = X.columns.length;
  const n = X.rows;
  const outputs = outputsOf(task, params.numClasses);
  const rng = mulberry32(params.seed);
  const binned = await binFeatures(X, params.maxBins, rng, signal);
  const grower = new ForestGrower(binned, params, y, F, rng);

  // Out-of-bag (or, without bootstrap, in-sample) and validation prediction sums.
  const trainSum = new Float64Array(n * outputs);
  const trainCount = params.bootstrap ? new Float64Array(n) : null;
  const vRows = validation?.X.rows ?? 0;
  const vSum = new Float64Array(vRows * outputs);

  const trees: ForestTree[] = [];
  const curve: ForestModel["curve"] = [];
  for (let t = 1; t <= T; t++) {
    await nextTick();
    checkAbort(signal);
    const tree = grower.grow();
    trees.push(tree);
    if (trainCount) addTree(tree, X.columns, n, trainSum, outputs, grower.w, trainCount);
    else addTree(tree, X.columns, n, trainSum, outputs);
    let train = lossOf(task, outputs, trainSum, y, trainCount, t);
    // No row out of every bag yet (a handful of rows): the loss on the training rows instead.
    if (Number.isNaN(train)) train = lossOf(task, outputs, meanOf(trees, outputs, X), y, null, 1);
    const point: ForestModel["curve"][number] = { iteration: t, train };
    if (validation) {
      addTree(tree, validation.X.columns, vRows, vSum, outputs);
      point.validation = lossOf(task, outputs, vSum, validation.y, null, t);
    }
    curve.push(point);
    onTree?.(t, T, point.train, point.validation);
  }
  return {
    task,
    numClasses: task === "regression" ? 1 : params.numClasses,
    outputs,
    featureNames: [...X.names],
    trees,
    importance: {
      gain: Array.from(grower.gain, (g) => g / T),
      split: Array.from(grower.split),
    },
    curve,
  };
}

/** The mean of the trees' leaf values for every row of X, rows × outputs. */
function meanOf(trees: ForestTree[], outputs: number, X: Features): Float64Array {
  const out = new Float64Array(X.rows * outputs);
  for (const tree of trees) addTree(tree, X.columns, X.rows, out, outputs);
  for (let i = 0; i < out.length; i++) out[i]! /= trees.length;
  return out;
}

/** P(class 1) (binary), class probabilities rows × K (multiclass) or values: the trees' mean. */
export function predictForest(model: ForestModel, X: Features): Float64Array {
  checkFeatures(X, "Random forest prediction data", model.featureNames.length);
  return meanOf(model.trees, model.outputs, X);
}
