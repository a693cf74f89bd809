import type { Features } from "./features";
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
} from "./binning";
import { mulberry32 } from "./random";

export type GbdtObjective = "regression" | "binary" | "multiclass";

export interface GbdtParams {
  objective: GbdtObjective;
  /** 1 for regression and binary; K >= 3 for multiclass. */
  numClasses: number;
  /** Boosting rounds (at most). */
  trees: number;
  learningRate: number;
  /** -1 = unlimited. */
  maxDepth: number;
  /** Leaf-wise (best-first) growth like LightGBM, up to this many leaves per tree. */
  maxLeaves: number;
  minDataInLeaf: number;
  minSumHessianInLeaf: number;
  /** L2 regularisation on leaf values. */
  lambda: number;
  /** Value bins per feature, at most 255 (one more holds missing values, Uint8 bin indices). */
  maxBins: number;
  /** 1 = all features; else each tree samples this fraction with the seeded RNG. */
  featureFraction: number;
  /**
   * 0 = off. Needs a validation set: stops when its loss has not improved for this many rounds
   * and keeps the best round's trees.
   */
  earlyStoppingRounds: number;
  seed: number;
}

/**
 * One regression tree as node arrays, node 0 the root. An internal node sends a row left when
 * `value <= threshold` (float32 compare), a missing (NaN) value left when `missingLeft` is 1.
 */
export interface GbdtTree {
  /** Which output the tree adds to (0 for regression and binary). */
  classIndex: number;
  feature: Int32Array;
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  missingLeft: Uint8Array;
  isLeaf: Uint8Array;
  /** Leaf output, already multiplied by the learning rate. */
  value: Float64Array;
}

export interface GbdtModel {
  objective: GbdtObjective;
  numClasses: number;
  featureNames: string[];
  /**
   * Initial raw score per output: mean (regression), prior log-odds (binary), log prior per
   * class (multiclass, softmax).
   */
  baseScore: number[];
  /** Rounds x outputs, in order. */
  trees: GbdtTree[];
  /** Number of rounds kept. */
  bestIteration: number;
  /** Per feature, over the kept trees. */
  importance: { gain: number[]; split: number[] };
  /** Loss per round: logloss (binary, multiclass) or mean squared error (regression). */
  curve: { iteration: number; train: number; validation?: number }[];
}

export interface GbdtOptions {
  validation?: { X: Features; y: Float64Array };
  signal?: AbortSignal;
  onRound?: (round: number, total: number, train: number, validation?: number) => void;
}

const PROB_EPS = 1e-15;
// Guards the leaf and gain denominators when lambda and minSumHessianInLeaf are both 0.
const MIN_HESSIAN = 1e-12;

const outputsOf = (objective: GbdtObjective, numClasses: number) =>
  objective === "multiclass" ? numClasses : 1;

function checkParams(p: GbdtParams) {
  const fail = (what: string) => {
    throw new Error(`GBDT parameters: ${what}`);
  };
  if (p.objective !== "regression" && p.objective !== "binary" && p.objective !== "multiclass")
    fail(`unknown objective ${String(p.objective)}`);
  if (p.objective === "multiclass") {
    if (!Number.isInteger(p.numClasses) || p.numClasses < 3)
      fail(`multiclass needs numClasses >= 3, got ${p.numClasses}`);
  } else if (p.numClasses !== 1) fail(`${p.objective} needs numClasses 1, got ${p.numClasses}`);
  if (!Number.isInteger(p.trees) || p.trees < 1) fail(`trees must be a positive integer`);
  if (!(p.learningRate > 0) || !Number.isFinite(p.learningRate))
    fail(`learningRate must be positive`);
  if (!Number.isInteger(p.maxDepth) || (p.maxDepth < 1 && p.maxDepth !== -1))
    fail(`maxDepth must be -1 or a positive integer`);
  if (!Number.isInteger(p.maxLeaves) || p.maxLeaves < 2) fail(`maxLeaves must be at least 2`);
  if (!(p.minDataInLeaf >= 0)) fail(`minDataInLeaf must be >= 0`);
  if (!(p.minSumHessianInLeaf >= 0)) fail(`minSumHessianInLeaf must be >= 0`);
  if (!(p.lambda >= 0) || !Number.isFinite(p.lambda)) fail(`lambda must be >= 0`);
  if (!Number.isInteger(p.maxBins) || p.maxBins < 2 || p.maxBins > 255)
    fail(`maxBins must be an integer in 2..255`);
  if (!(p.featureFraction > 0 && p.featureFraction <= 1)) fail(`featureFraction must be in (0, 1]`);
  if (!Number.isInteger(p.earlyStoppingRounds) || p.earlyStoppingRounds < 0)
    fail(`earlyStoppingRounds must be a non-negative integer`);
  if (!Number.isFinite(p.seed)) fail(`seed must be a number`);
}

interface Binned {
  /** Value bins per feature; the missing bin's index is this. */
  valueBins: Int32Array;
  upper: Float64Array[];
  /** Each feature's first bin in a histogram. */
  offset: Int32Array;
  /** Histogram bins, the last a dummy that padding bytes of the last group count into. */
  totalBins: number;
  /** Features with at least two non-empty bins: the only ones worth a histogram. */
  usable: Int32Array;
  /**
   * Bins of the usable features, four to a Uint32 word (feature k of a group in byte k), one
   * array per group: a histogram pass reads one word per row for four features. Training keeps
   * the rows of each leaf contiguous by moving them (see TreeGrower), so rows are in no set order.
   */
  groups: Uint32Array[];
  /** Per feature: its group (-1 when not usable) and the shift of its byte. */
  groupOf: Int32Array;
  shiftOf: Int32Array;
  /** Per group byte: the histogram index (offset * 2) of its feature, or of the dummy bin. */
  slots: Int32Array;
}

function packBins(bins: Uint8Array, words: Uint32Array, shift: number) {
  for (let i = 0; i < bins.length; i++) words[i]! |= bins[i]! << shift;
}

// The per-feature loops live in small functions of their own: inside this long async function
// they ran partly unoptimised (V8 recompiled it again and again as it reached new code).
async function binFeatures(
  X: Features,
  maxBins: number,
  rng: () => number,
  signal?: AbortSignal,
): Promise<Binned> {
  const n = X.rows;
  const sample = sampleRows(n, rng);
  const F = X.columns.length;
  const upper: Float64Array[] = [];
  const valueBins = new Int32Array(F);
  const offset = new Int32Array(F);
  const groupOf = new Int32Array(F).fill(-1);
  const shiftOf = new Int32Array(F);
  const usable: number[] = [];
  const buffer = new Float32Array(sample ? sample.length : n);
  let totalBins = 0;
  for (let f = 0; f < F; f++) {
    const col = X.columns[f]!;
    const k = sampleValues(col, sample, buffer);
    const ub = binUpperBounds(buffer.subarray(0, k).sort(), maxBins);
    const missing = countMissing(col);
    upper.push(ub);
    valueBins[f] = ub.length;
    offset[f] = totalBins;
    totalBins += ub.length + 1;
    if (ub.length > 1 || (missing > 0 && missing < n)) {
      groupOf[f] = usable.length >> 2;
      shiftOf[f] = (usable.length & 3) * 8;
      usable.push(f);
    }
  }
  const dummy = totalBins++;
  const groups = Array.from({ length: (usable.length + 3) >> 2 }, () => new Uint32Array(n));
  const slots = new Int32Array(groups.length * 4).fill(dummy * 2);
  usable.forEach((f, u) => (slots[u] = offset[f]! * 2));
  const b = new Uint8Array(n);
  for (const f of usable) {
    await nextTick();
    checkAbort(signal);
    binColumn(X.columns[f]!, upper[f]!, b);
    packBins(b, groups[groupOf[f]!]!, shiftOf[f]!);
  }
  return {
    valueBins,
    upper,
    offset,
    totalBins,
    usable: Int32Array.from(usable),
    groups,
    groupOf,
    shiftOf,
    slots,
  };
}

/**
 * Returns the mean loss of the raw scores, logloss (binary, multiclass) or squared error
 * (regression), and when `gh` is given writes each output's gradient and hessian for the next
 * trees, interleaved (gh[c][2r], gh[c][2r + 1]): a histogram pass or a swap touches one place.
 */
function lossAndGradients(
  objective: GbdtObjective,
  K: number,
  score: Float64Array,
  y: Float64Array,
  gh: Float64Array[] | null,
  scratch: Float64Array,
): number {
  const n = y.length;
  let loss = 0;
  if (objective === "regression") {
    const out = gh?.[0];
    for (let r = 0; r < n; r++) {
      const d = score[r]! - y[r]!;
      loss += d * d;
      if (out) {
        out[2 * r] = d;
        out[2 * r + 1] = 1;
      }
    }
  } else if (objective === "binary") {
    const out = gh?.[0];
    for (let r = 0; r < n; r++) {
      const s = score[r]!;
      const e = Math.exp(-Math.abs(s));
      const p = s >= 0 ? 1 / (1 + e) : e / (1 + e);
      const positive = y[r] === 1;
      loss += Math.log1p(e) + (positive ? (s < 0 ? -s : 0) : s > 0 ? s : 0);
      if (out) {
        out[2 * r] = positive ? p - 1 : p;
        out[2 * r + 1] = p * (1 - p);
      }
    }
  } else {
    for (let r = 0; r < n; r++) {
      const base = r * K;
      let max = -Infinity;
      for (let k = 0; k < K; k++) if (score[base + k]! > max) max = score[base + k]!;
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.exp(score[base + k]! - max);
        scratch[k] = e;
        sum += e;
      }
      const label = y[r]!;
      loss += Math.log(sum) + max - score[base + label]!;
      if (gh) {
        for (let k = 0; k < K; k++) {
          const p = scratch[k]! / sum;
          const out = gh[k]!;
          out[2 * r] = k === label ? p - 1 : p;
          out[2 * r + 1] = p * (1 - p);
        }
      }
    }
  }
  return loss / n;
}

/**
 * Adds rows [begin, end) (positions: rows are kept contiguous per leaf) to a histogram of
 * gradient and hessian sums per bin. Like LightGBM there is no count per bin: a third store per
 * update costs a quarter of the time. Groups go two at a time (eight features per pass over the
 * rows, a tenth faster than four), the features of a group unrolled by hand.
 */
function histogram(
  hist: Float64Array,
  groups: Uint32Array[],
  slots: Int32Array,
  active: Int32Array,
  begin: number,
  end: number,
  gh: Float64Array,
) {
  let j = 0;
  for (; j + 1 < active.length; j += 2) {
    const ga = active[j]! * 4;
    const gb = active[j + 1]! * 4;
    histogram8(
      hist,
      groups[active[j]!]!,
      groups[active[j + 1]!]!,
      slots[ga]!,
      slots[ga + 1]!,
      slots[ga + 2]!,
      slots[ga + 3]!,
      slots[gb]!,
      slots[gb + 1]!,
      slots[gb + 2]!,
      slots[gb + 3]!,
      begin,
      end,
      gh,
    );
  }
  if (j < active.length) {
    const gi = active[j]! * 4;
    const a = groups[active[j]!]!;
    const b0 = slots[gi]!;
    const b1 = slots[gi + 1]!;
    const b2 = slots[gi + 2]!;
    const b3 = slots[gi + 3]!;
    for (let r = begin; r < end; r++) {
      const w = a[r]!;
      const gg = gh[2 * r]!;
      const hh = gh[2 * r + 1]!;
      let p = b0 + (w & 255) * 2;
      hist[p]! += gg;
      hist[p + 1]! += hh;
      p = b1 + ((w >>> 8) & 255) * 2;
      hist[p]! += gg;
      hist[p + 1]! += hh;
      p = b2 + ((w >>> 16) & 255) * 2;
      hist[p]! += gg;
      hist[p + 1]! += hh;
      p = b3 + (w >>> 24) * 2;
      hist[p]! += gg;
      hist[p + 1]! += hh;
    }
  }
}

/** The histogram kernel for two groups: words a and c, histogram slots s0..s3 and s4..s7. */
function histogram8(
  hist: Float64Array,
  a: Uint32Array,
  c: Uint32Array,
  s0: number,
  s1: number,
  s2: number,
  s3: number,
  s4: number,
  s5: number,
  s6: number,
  s7: number,
  begin: number,
  end: number,
  gh: Float64Array,
) {
  for (let r = begin; r < end; r++) {
    const w = a[r]!;
    const v = c[r]!;
    const gg = gh[2 * r]!;
    const hh = gh[2 * r + 1]!;
    let p = s0 + (w & 255) * 2;
    hist[p]! += gg;
    hist[p + 1]! += hh;
    p = s1 + ((w >>> 8) & 255) * 2;
    hist[p]! += gg;
    hist[p + 1]! += hh;
    p = s2 + ((w >>> 16) & 255) * 2;
    hist[p]! += gg;
    hist[p + 1]! += hh;
    p = s3 + (w >>> 24) * 2;
    hist[p]! += gg;
    hist[p + 1]! += hh;
    p = s4 + (v & 255) * 2;
    hist[p]! += gg;
    hist[p + 1]! += hh;
    p = s5 + ((v >>> 8) & 255) * 2;
    hist[p]! += gg;
    hist[p + 1]! += hh;
    p = s6 + ((v >>> 16) & 255) * 2;
    hist[p]! += gg;
    hist[p + 1]! += hh;
    p = s7 + (v >>> 24) * 2;
    hist[p]! += gg;
    hist[p + 1]! += hh;
  }
}

/** Swaps a[from[s]] and a[to[at + s]] for s < count. */
function swap32(a: Uint32Array, from: Uint32Array, to: Uint32Array, at: number, count: number) {
  for (let s = 0; s < count; s++) {
    const i = from[s]!;
    const j = to[at + s]!;
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** swap32 for rows of `width` float64 values. */
function swap64(
  a: Float64Array,
  width: number,
  from: Uint32Array,
  to: Uint32Array,
  at: number,
  count: number,
) {
  if (width === 1) {
    for (let s = 0; s < count; s++) {
      const i = from[s]!;
      const j = to[at + s]!;
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return;
  }
  for (let s = 0; s < count; s++) {
    const i = width * from[s]!;
    const j = width * to[at + s]!;
    for (let k = 0; k < width; k++) {
      const t = a[i + k]!;
      a[i + k] = a[j + k]!;
      a[j + k] = t;
    }
  }
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
  leftG: number;
  leftH: number;
}

/**
 * The training state. Rows live at positions: `rowAt` maps a position to its row, and everything
 * per row (bin words, target, scores, gradients) is stored by position. Splitting a leaf moves
 * its rows so each child is a contiguous range: histograms, partitions, gradients and score
 * updates then scan memory in order instead of gathering scattered rows, which took most of the
 * time. The order carries over from tree to tree.
 */
class TreeGrower {
  readonly n: number;
  readonly rowAt: Uint32Array;
  readonly y: Float64Array;
  /** Raw scores, n * K by position. */
  readonly score: Float64Array;
  /** Per output: gradient and hessian interleaved by position, from the scores at round start. */
  readonly gh: Float64Array[];
  readonly lefts: Uint32Array;
  readonly rights: Uint32Array;
  readonly pool: Float64Array[] = [];
  readonly free: number[] = [];
  // Per leaf slot, indexed by leaf number (0..maxLeaves-1).
  readonly begin: Int32Array;
  readonly end: Int32Array;
  readonly depth: Int32Array;
  readonly node: Int32Array;
  readonly histSlot: Int32Array;
  readonly sumG: Float64Array;
  readonly sumH: Float64Array;
  readonly best: (Split | null)[];
  readonly minData: number;
  readonly minHess: number;

  constructor(
    readonly binned: Binned,
    readonly p: GbdtParams,
    readonly K: number,
    y: Float64Array,
    baseScore: number[],
  ) {
    const n = y.length;
    this.n = n;
    this.rowAt = new Uint32Array(n);
    for (let i = 0; i < n; i++) this.rowAt[i] = i;
    this.y = y.slice();
    this.score = new Float64Array(n * K);
    for (let i = 0; i < n * K; i++) this.score[i] = baseScore[i % K]!;
    this.gh = Array.from({ length: K }, () => new Float64Array(2 * n));
    this.lefts = new Uint32Array(n);
    this.rights = new Uint32Array(n);
    const L = p.maxLeaves;
    this.begin = new Int32Array(L);
    this.end = new Int32Array(L);
    this.depth = new Int32Array(L);
    this.node = new Int32Array(L);
    this.histSlot = new Int32Array(L);
    this.sumG = new Float64Array(L);
    this.sumH = new Float64Array(L);
    this.best = new Array<Split | null>(L).fill(null);
    this.minData = Math.max(1, p.minDataInLeaf);
    this.minHess = Math.max(MIN_HESSIAN, p.minSumHessianInLeaf);
  }

  private takeHist(): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.pool.length;
      this.pool.push(new Float64Array(this.binned.totalBins * 2));
    } else this.pool[slot]!.fill(0);
    return slot;
  }

  private canSplit(leaf: number): boolean {
    const d = this.p.maxDepth;
    return (
      (d < 0 || this.depth[leaf]! < d) && this.end[leaf]! - this.begin[leaf]! >= 2 * this.minData
    );
  }

  private findSplit(leaf: number, feats: Int32Array): Split | null {
    const hist = this.pool[this.histSlot[leaf]!]!;
    const { offset, valueBins } = this.binned;
    const lambda = this.p.lambda;
    const minData = this.minData;
    const minHess = this.minHess;
    const G = this.sumG[leaf]!;
    const H = this.sumH[leaf]!;
    const C = this.end[leaf]! - this.begin[leaf]!;
    // Rows per unit of hessian: LightGBM's estimate of a side's row count (exact when h = 1).
    const perHess = H > 0 ? C / H : 0;
    const parent = (G * G) / (H + lambda);
    let bestGain = 0;
    let bestF = -1;
    let bestBin = 0;
    let bestMissingLeft = false;
    let bestLG = 0;
    let bestLH = 0;
    for (let j = 0; j < feats.length; j++) {
      const f = feats[j]!;
      const nb = valueBins[f]!;
      const base = offset[f]! * 2;
      const mg = hist[base + nb * 2]!;
      const mh = hist[base + nb * 2 + 1]!;
      let cg = 0;
      let ch = 0;
      for (let b = 0; b < nb; b++) {
        cg += hist[base + b * 2]!;
        ch += hist[base + b * 2 + 1]!;
        for (let side = 0; side < 2; side++) {
          if (side === 1 && mh === 0) break;
          const lh = side === 0 ? ch : ch + mh;
          const rh = H - lh;
          if (lh < minHess || rh < minHess) continue;
          const lc = Math.round(lh * perHess);
          if (lc < minData || C - lc < minData) continue;
          const lg = side === 0 ? cg : cg + mg;
          const rg = G - lg;
          const gain = (lg * lg) / (lh + lambda) + (rg * rg) / (rh + lambda) - parent;
          if (gain > bestGain) {
            bestGain = gain;
            bestF = f;
            bestBin = b;
            // With no missing rows here, send unseen missing values to the bigger side.
            bestMissingLeft = side === 1 || (mh === 0 && lh >= rh);
            bestLG = lg;
            bestLH = lh;
          }
        }
      }
    }
    if (bestF < 0) return null;
    return {
      gain: bestGain,
      feature: bestF,
      bin: bestBin,
      missingLeft: bestMissingLeft,
      leftG: bestLG,
      leftH: bestLH,
    };
  }

  /**
   * Grows one tree for output `classIndex` on the features `feats` (whose groups are `active`);
   * the leaves' row ranges stay in begin/end for addToScores.
   */
  grow(
    classIndex: number,
    feats: Int32Array,
    active: Int32Array,
  ): { tree: GbdtTree; gains: Float64Array; leaves: number } {
    const { n, K, rowAt, y, score, lefts, rights } = this;
    const gh = this.gh[classIndex]!;
    const { begin, end, depth, node, histSlot, sumG, sumH, best } = this;
    const { groups, groupOf, shiftOf, slots, valueBins, upper } = this.binned;
    const { maxLeaves, lambda, learningRate } = this.p;
    const maxNodes = 2 * maxLeaves - 1;
    const tFeature = new Int32Array(maxNodes).fill(-1);
    const tThreshold = new Float32Array(maxNodes);
    const tLeft = new Int32Array(maxNodes).fill(-1);
    const tRight = new Int32Array(maxNodes).fill(-1);
    const tMissingLeft = new Uint8Array(maxNodes);
    const tIsLeaf = new Uint8Array(maxNodes);
    const tValue = new Float64Array(maxNodes);
    const tGain = new Float64Array(maxNodes);

    let G = 0;
    let H = 0;
    for (let i = 0; i < n; i++) {
      G += gh[2 * i]!;
      H += gh[2 * i + 1]!;
    }
    let leaves = 1;
    let nodes = 1;
    begin[0] = 0;
    end[0] = n;
    depth[0] = 0;
    node[0] = 0;
    sumG[0] = G;
    sumH[0] = H;
    tIsLeaf[0] = 1;
    best[0] = null;
    this.free.length = 0;
    for (let s = this.pool.length - 1; s >= 0; s--) this.free.push(s);
    if (feats.length > 0 && this.canSplit(0)) {
      histSlot[0] = this.takeHist();
      histogram(this.pool[histSlot[0]]!, groups, slots, active, 0, n, gh);
      best[0] = this.findSplit(0, feats);
      if (!best[0]) this.free.push(histSlot[0]);
    }

    while (leaves < maxLeaves) {
      let leaf = -1;
      let gain = 0;
      for (let l = 0; l < leaves; l++) {
        const b = best[l];
        if (b && b.gain > gain) {
          gain = b.gain;
          leaf = l;
        }
      }
      if (leaf < 0) break;
      const split = best[leaf]!;
      best[leaf] = null;
      const f = split.feature;
      const words = groups[groupOf[f]!]!;
      const shift = shiftOf[f]!;
      const tb = split.bin;
      const missingBin = valueBins[f]!;
      const missingLeft = split.missingLeft;
      const ml = missingLeft ? 1 : 0;
      const b0 = begin[leaf]!;
      const e0 = end[leaf]!;
      // Lists of the left- and right-going positions, ascending, built without branches (always
      // write, conditionally advance): the side of a row is as good as random.
      let nl = 0;
      let nr = 0;
      for (let k = b0; k < e0; k++) {
        const bin = (words[k]! >>> shift) & 255;
        const left = +(bin <= tb) | (+(bin === missingBin) & ml);
        lefts[nl] = k;
        rights[nr] = k;
        nl += left;
        nr += 1 - left;
      }
      // Swap each right-going row before `mid` with a left-going one from `mid` on, in every
      // array. Order within a leaf does not matter, and this moves only the misplaced rows, where
      // a stable partition moves them all.
      const mid = b0 + nl;
      let swaps = 0;
      while (swaps < nr && rights[swaps]! < mid) swaps++;
      const at = nl - swaps;
      swap32(rowAt, rights, lefts, at, swaps);
      for (const a of groups) swap32(a, rights, lefts, at, swaps);
      for (const a of this.gh) swap64(a, 2, rights, lefts, at, swaps);
      swap64(score, K, rights, lefts, at, swaps);
      swap64(y, 1, rights, lefts, at, swaps);

      const parentNode = node[leaf]!;
      const ln = nodes++;
      const rn = nodes++;
      tIsLeaf[parentNode] = 0;
      tFeature[parentNode] = f;
      tThreshold[parentNode] = upper[f]![tb]!;
      tLeft[parentNode] = ln;
      tRight[parentNode] = rn;
      tMissingLeft[parentNode] = missingLeft ? 1 : 0;
      tGain[parentNode] = split.gain;
      tIsLeaf[ln] = 1;
      tIsLeaf[rn] = 1;

      const other = leaves++;
      const d = depth[leaf]! + 1;
      begin[other] = mid;
      end[other] = e0;
      depth[other] = d;
      node[other] = rn;
      sumG[other] = sumG[leaf]! - split.leftG;
      sumH[other] = sumH[leaf]! - split.leftH;
      best[other] = null;
      end[leaf] = mid;
      depth[leaf] = d;
      node[leaf] = ln;
      sumG[leaf] = split.leftG;
      sumH[leaf] = split.leftH;

      const parentSlot = histSlot[leaf]!;
      if (leaves >= maxLeaves || !(this.canSplit(leaf) || this.canSplit(other))) {
        this.free.push(parentSlot);
        continue;
      }
      // Build the smaller child's histogram; the larger one is the parent's minus it.
      const leftSmaller = mid - b0 <= e0 - mid;
      const small = leftSmaller ? leaf : other;
      const large = leftSmaller ? other : leaf;
      const smallSlot = this.takeHist();
      const smallHist = this.pool[smallSlot]!;
      histogram(smallHist, groups, slots, active, begin[small]!, end[small]!, gh);
      const largeHist = this.pool[parentSlot]!;
      for (let p = 0; p < largeHist.length; p++) largeHist[p]! -= smallHist[p]!;
      histSlot[small] = smallSlot;
      histSlot[large] = parentSlot;
      for (const child of [small, large]) {
        best[child] = this.canSplit(child) ? this.findSplit(child, feats) : null;
        if (!best[child]) this.free.push(histSlot[child]!);
      }
    }

    for (let l = 0; l < leaves; l++) {
      const denom = sumH[l]! + lambda;
      tValue[node[l]!] = denom > 0 ? (-sumG[l]! / denom) * learningRate : 0;
    }
    return {
      tree: {
        classIndex,
        feature: tFeature.slice(0, nodes),
        threshold: tThreshold.slice(0, nodes),
        left: tLeft.slice(0, nodes),
        right: tRight.slice(0, nodes),
        missingLeft: tMissingLeft.slice(0, nodes),
        isLeaf: tIsLeaf.slice(0, nodes),
        value: tValue.slice(0, nodes),
      },
      gains: tGain.slice(0, nodes),
      leaves,
    };
  }

  /** Adds each leaf's value to the scores of the training rows partitioned into it. */
  addToScores(tree: GbdtTree, leaves: number) {
    const { begin, end, node, score, K } = this;
    const c = tree.classIndex;
    for (let l = 0; l < leaves; l++) {
      const v = tree.value[node[l]!]!;
      const e = end[l]!;
      for (let k = begin[l]!; k < e; k++) score[k * K + c]! += v;
    }
  }

  /** The scores by row (rows * K, row-major). */
  rawScores(out: Float64Array = new Float64Array(this.n * this.K)): Float64Array {
    const { n, K, rowAt, score } = this;
    for (let i = 0; i < n; i++) {
      const r = rowAt[i]!;
      for (let k = 0; k < K; k++) out[r * K + k] = score[i * K + k]!;
    }
    return out;
  }
}

/** Adds one tree's output for every row of X to out[row * K + tree.classIndex]. */
function addTree(
  tree: GbdtTree,
  columns: Float32Array[],
  rows: number,
  out: Float64Array,
  K: number,
) {
  const { value } = tree;
  const c = tree.classIndex;
  for (let r = 0; r < rows; r++) out[r * K + c]! += value[leafOf(tree, columns, r)]!;
}

function baseScores(objective: GbdtObjective, K: number, y: Float64Array): number[] {
  const n = y.length;
  if (objective === "regression") {
    let s = 0;
    for (let i = 0; i < n; i++) s += y[i]!;
    return [s / n];
  }
  if (objective === "binary") {
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i]!;
    const p = Math.min(1 - PROB_EPS, Math.max(PROB_EPS, pos / n));
    return [Math.log(p / (1 - p))];
  }
  const counts = new Float64Array(K);
  for (let i = 0; i < n; i++) counts[y[i]!]!++;
  return Array.from(counts, (c) => Math.log(Math.max(PROB_EPS, c / n)));
}

/** The features a tree may split on (a seeded sample when fraction < 1). */
function sampleFeatures(usable: Int32Array, fraction: number, rng: () => number): Int32Array {
  if (fraction >= 1 || usable.length === 0) return usable;
  const take = Math.max(1, Math.round(usable.length * fraction));
  const pool = usable.slice();
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rng() * (pool.length - i));
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, take).sort();
}

/** The packed groups holding at least one of the features. */
function activeGroups(binned: Binned, feats: Int32Array): Int32Array {
  const on = new Uint8Array(binned.groups.length);
  for (let j = 0; j < feats.length; j++) on[binned.groupOf[feats[j]!]!] = 1;
  const out: number[] = [];
  on.forEach((v, gi) => {
    if (v) out.push(gi);
  });
  return Int32Array.from(out);
}

/**
 * Trains and also returns the training rows' raw scores as accumulated from the row partitions
 * during training (for the kept rounds), rows * outputs, row-major.
 */
export async function trainGbdtDetailed(
  X: Features,
  y: Float64Array,
  params: GbdtParams,
  options: GbdtOptions = {},
): Promise<{ model: GbdtModel; trainRaw: Float64Array }> {
  const { validation, signal, onRound } = options;
  checkParams(params);
  if (X.rows <= 0) throw new Error("GBDT training: no rows");
  checkFeatures(X, "GBDT training data");
  if (X.columns.length === 0) throw new Error("GBDT training data: no feature columns");
  checkTarget(
    y,
    X.rows,
    params.objective === "regression" ? null : Math.max(2, params.numClasses),
    "GBDT training data",
  );
  if (validation) {
    if (validation.X.rows <= 0) throw new Error("GBDT validation data: no rows");
    checkFeatures(validation.X, "GBDT validation data", X.columns.length);
    checkTarget(
      validation.y,
      validation.X.rows,
      params.objective === "regression" ? null : Math.max(2, params.numClasses),
      "GBDT validation data",
    );
  }
  if (params.earlyStoppingRounds > 0 && !validation)
    throw new Error("GBDT parameters: earlyStoppingRounds needs a validation set");
  checkAbort(signal);

  const { objective, trees: rounds, earlyStoppingRounds } = params;
  const K = outputsOf(objective, params.numClasses);
  const F = X.columns.length;
  const rng = mulberry32(params.seed);
  const binned = await binFeatures(X, params.maxBins, rng, signal);
  const baseScore = baseScores(objective, K, y);
  const grower = new TreeGrower(binned, params, K, y, baseScore);
  const vRows = validation?.X.rows ?? 0;
  const vScore = new Float64Array(vRows * K);
  for (let i = 0; i < vRows * K; i++) vScore[i] = baseScore[i % K]!;
  const scratch = new Float64Array(K);

  const trees: GbdtTree[] = [];
  const gains: Float64Array[] = [];
  const curve: GbdtModel["curve"] = [];
  let bestLoss = Infinity;
  let bestRound = 0;
  let bestScore: Float64Array | undefined;
  lossAndGradients(objective, K, grower.score, grower.y, grower.gh, scratch);
  for (let round = 1; round <= rounds; round++) {
    await nextTick();
    checkAbort(signal);
    for (let c = 0; c < K; c++) {
      const feats = sampleFeatures(binned.usable, params.featureFraction, rng);
      const active = activeGroups(binned, feats);
      const built = grower.grow(c, feats, active);
      grower.addToScores(built.tree, built.leaves);
      if (validation) addTree(built.tree, validation.X.columns, vRows, vScore, K);
      trees.push(built.tree);
      gains.push(built.gains);
    }
    const last = round === rounds;
    const train = lossAndGradients(
      objective,
      K,
      grower.score,
      grower.y,
      last ? null : grower.gh,
      scratch,
    );
    const point: GbdtModel["curve"][number] = { iteration: round, train };
    if (validation) {
      const v = lossAndGradients(objective, K, vScore, validation.y, null, scratch);
      point.validation = v;
      if (v < bestLoss) {
        bestLoss = v;
        bestRound = round;
        if (earlyStoppingRounds > 0) bestScore = grower.rawScores(bestScore);
      }
    }
    curve.push(point);
    onRound?.(round, rounds, train, point.validation);
    if (earlyStoppingRounds > 0 && round - bestRound >= earlyStoppingRounds) break;
  }

  const kept = earlyStoppingRounds > 0 ? bestRound : curve.length;
  trees.length = kept * K;
  const importance = { gain: new Array<number>(F).fill(0), split: new Array<number>(F).fill(0) };
  trees.forEach((t, i) => {
    const g = gains[i]!;
    for (let nd = 0; nd < t.isLeaf.length; nd++) {
      if (t.isLeaf[nd]) continue;
      importance.gain[t.feature[nd]!]! += g[nd]!;
      importance.split[t.feature[nd]!]!++;
    }
  });
  return {
    model: {
      objective,
      numClasses: params.numClasses,
      featureNames: [...X.names],
      baseScore,
      trees,
      bestIteration: kept,
      importance,
      curve,
    },
    trainRaw: bestScore && kept < curve.length ? bestScore : grower.rawScores(),
  };
}

/** Trains gradient-boosted trees on binned features (histograms, leaf-wise growth). */
export async function trainGbdt(
  X: Features,
  y: Float64Array,
  params: GbdtParams,
  options?: GbdtOptions,
): Promise<GbdtModel> {
  return (await trainGbdtDetailed(X, y, params, options)).model;
}

/** Raw margins, rows * K row-major (K = numClasses for multiclass, else 1): baseScore + leaves. */
export function predictRaw(model: GbdtModel, X: Features): Float64Array {
  checkFeatures(X, "GBDT prediction data", model.featureNames.length);
  const K = outputsOf(model.objective, model.numClasses);
  const out = new Float64Array(X.rows * K);
  for (let i = 0; i < out.length; i++) out[i] = model.baseScore[i % K]!;
  for (const tree of model.trees) addTree(tree, X.columns, X.rows, out, K);
  return out;
}

/** Regression values, P(class 1) for binary, or softmax probabilities rows * K for multiclass. */
export function predict(model: GbdtModel, X: Features): Float64Array {
  const raw = predictRaw(model, X);
  if (model.objective === "regression") return raw;
  if (model.objective === "binary") {
    for (let i = 0; i < raw.length; i++) raw[i] = 1 / (1 + Math.exp(-raw[i]!));
    return raw;
  }
  const K = model.numClasses;
  for (let base = 0; base < raw.length; base += K) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, raw[base + k]!);
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(raw[base + k]! - max);
      raw[base + k] = e;
      sum += e;
    }
    for (let k = 0; k < K; k++) raw[base + k]! /= sum;
  }
  return raw;
}

// JSON has no Infinity: thresholds past the last value bin are written as strings.
const encodeNumber = (v: number): number | string => (Number.isFinite(v) ? v : String(v));

function decodeNumber(v: unknown, what: string): number {
  if (typeof v === "number") return v;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  throw new Error(`GBDT model: ${what} is not a number`);
}

/** A JSON-safe copy of the model (typed arrays as plain arrays). */
export function serializeGbdt(model: GbdtModel): unknown {
  return {
    format: "flowforge-gbdt",
    version: 1,
    objective: model.objective,
    numClasses: model.numClasses,
    featureNames: model.featureNames,
    baseScore: model.baseScore,
    bestIteration: model.bestIteration,
    importance: model.importance,
    curve: model.curve,
    trees: model.trees.map((t) => ({
      classIndex: t.classIndex,
      feature: Array.from(t.feature),
      threshold: Array.from(t.threshold, encodeNumber),
      left: Array.from(t.left),
      right: Array.from(t.right),
      missingLeft: Array.from(t.missingLeft),
      isLeaf: Array.from(t.isLeaf),
      value: Array.from(t.value),
    })),
  };
}

/** Reads a model written by serializeGbdt. */
export function deserializeGbdt(json: unknown): GbdtModel {
  const m = json as Record<string, unknown>;
  if (!m || typeof m !== "object" || m.format !== "flowforge-gbdt")
    throw new Error("GBDT model: not a serialized GBDT model");
  if (m.version !== 1) throw new Error(`GBDT model: unsupported version ${String(m.version)}`);
  const numbers = (v: unknown, what: string): number[] => {
    if (!Array.isArray(v)) throw new Error(`GBDT model: ${what} is not an array`);
    return v.map((x, i) => decodeNumber(x, `${what}[${i}]`));
  };
  const objective = m.objective as GbdtObjective;
  if (objective !== "regression" && objective !== "binary" && objective !== "multiclass")
    throw new Error(`GBDT model: unknown objective ${String(m.objective)}`);
  if (!Array.isArray(m.trees)) throw new Error("GBDT model: trees is not an array");
  const importance = m.importance as { gain: unknown; split: unknown } | undefined;
  return {
    objective,
    numClasses: Number(m.numClasses),
    featureNames: (m.featureNames as unknown[]).map(String),
    baseScore: numbers(m.baseScore, "baseScore"),
    bestIteration: Number(m.bestIteration),
    importance: {
      gain: numbers(importance?.gain, "importance.gain"),
      split: numbers(importance?.split, "importance.split"),
    },
    curve: (m.curve as GbdtModel["curve"]).map((p) => ({ ...p })),
    trees: (m.trees as Record<string, unknown>[]).map((t, i) => ({
      classIndex: Number(t.classIndex),
      feature: Int32Array.from(numbers(t.feature, `trees[${i}].feature`)),
      threshold: Float32Array.from(numbers(t.threshold, `trees[${i}].threshold`)),
      left: Int32Array.from(numbers(t.left, `trees[${i}].left`)),
      right: Int32Array.from(numbers(t.right, `trees[${i}].right`)),
      missingLeft: Uint8Array.from(numbers(t.missingLeft, `trees[${i}].missingLeft`)),
      isLeaf: Uint8Array.from(numbers(t.isLeaf, `trees[${i}].isLeaf`)),
      value: Float64Array.from(numbers(t.value, `trees[${i}].value`)),
    })),
  };
}
