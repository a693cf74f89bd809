import type { Features } from "./features";
import type { FlatTree } from "./onnx/trees";

/**
 * What the tree learners share: input checks, the seeded row sample, and the binning of
 * features into at most 255 value bins plus one for missing values (float32 bounds, so a model
 * routes a row in TypeScript exactly as ONNX's BRANCH_LEQ does).
 */

/** Bin bounds are computed on a sample of this many rows at most. */
export const SAMPLE_ROWS = 200_000;

/** Yields to the event loop, so heartbeats and cancellation get through a long training. */
export const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export function checkAbort(signal: AbortSignal | undefined) {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  throw reason instanceof Error ? reason : new Error("aborted", { cause: reason });
}

export function checkFeatures(X: Features, what: string, width?: number) {
  if (X.columns.length !== X.names.length)
    throw new Error(`${what}: ${X.names.length} feature names but ${X.columns.length} columns`);
  if (width !== undefined && X.columns.length !== width)
    throw new Error(`${what}: expected ${width} features, got ${X.columns.length}`);
  X.columns.forEach((c, j) => {
    if (c.length !== X.rows)
      throw new Error(`${what}: column ${X.names[j]} has ${c.length} values for ${X.rows} rows`);
  });
}

/** Targets: finite numbers (regression) or class indices 0..classes-1. */
export function checkTarget(y: Float64Array, rows: number, classes: number | null, what: string) {
  if (y.length !== rows) throw new Error(`${what}: ${y.length} targets for ${rows} rows`);
  for (let i = 0; i < rows; i++) {
    const v = y[i]!;
    if (classes === null) {
      if (!Number.isFinite(v)) throw new Error(`${what}: target at row ${i} is not finite (${v})`);
    } else if (!Number.isInteger(v) || v < 0 || v >= classes)
      throw new Error(
        `${what}: class at row ${i} is ${v}, expected an integer in 0..${classes - 1}`,
      );
  }
}

/** The float32 threshold t between adjacent distinct values with lo <= t < hi. */
function cut(lo: number, hi: number): number {
  const t = Math.fround(lo / 2 + hi / 2);
  return t >= lo && t < hi ? t : lo;
}

/**
 * Upper bounds (float32) of the value bins for sorted non-missing values: one bin per distinct
 * value when there are few, else quantile bins; the last bound is +Infinity.
 */
export function binUpperBounds(sorted: Float32Array, maxBins: number): Float64Array {
  const n = sorted.length;
  const values = new Float64Array(n);
  const counts = new Uint32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = sorted[i]!;
    if (m > 0 && v === values[m - 1]) counts[m - 1]!++;
    else {
      values[m] = v;
      counts[m++] = 1;
    }
  }
  const bounds: number[] = [];
  if (m <= maxBins) {
    for (let i = 0; i + 1 < m; i++) bounds.push(cut(values[i]!, values[i + 1]!));
  } else {
    let remaining = n;
    let acc = 0;
    for (let i = 0; i + 1 < m && bounds.length < maxBins - 1; i++) {
      const target = remaining / (maxBins - bounds.length);
      const c = counts[i]!;
      // A heavy value (say half the rows are 0) gets a bin of its own rather than sharing one.
      if (acc > 0 && c >= target) {
        bounds.push(cut(values[i - 1]!, values[i]!));
        remaining -= acc;
        acc = 0;
        if (bounds.length >= maxBins - 1) break;
      }
      acc += c;
      if (acc >= remaining / (maxBins - bounds.length)) {
        bounds.push(cut(values[i]!, values[i + 1]!));
        remaining -= acc;
        acc = 0;
      }
    }
  }
  bounds.push(Infinity);
  return Float64Array.from(bounds);
}

/**
 * Bin index of each value: the first bin whose upper bound is >= the value (so `x <= upper[b]`
 * holds exactly for the bins up to b); NaN gets the missing bin, upper.length.
 */
export function binColumn(col: Float32Array, upper: Float64Array, out: Uint8Array) {
  // A branch-free search over the bounds padded to 256 with +Infinity: the branches of a binary
  // search (V8 compiles a ternary to one too) are unpredictable and made it four times slower.
  const pad = new Float64Array(256).fill(Infinity);
  pad.set(upper);
  const missing = upper.length;
  const n = col.length;
  for (let r = 0; r < n; r++) {
    const x = col[r]!;
    let b = +(pad[127]! < x) << 7;
    b += +(pad[b + 63]! < x) << 6;
    b += +(pad[b + 31]! < x) << 5;
    b += +(pad[b + 15]! < x) << 4;
    b += +(pad[b + 7]! < x) << 3;
    b += +(pad[b + 3]! < x) << 2;
    b += +(pad[b + 1]! < x) << 1;
    b += +(pad[b]! < x);
    out[r] = x === x ? b : missing;
  }
}

/** A seeded sample of SAMPLE_ROWS row indices (sorted), or undefined to use every row. */
export function sampleRows(n: number, rng: () => number): Uint32Array | undefined {
  if (n <= SAMPLE_ROWS) return undefined;
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = 0; i < SAMPLE_ROWS; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm.slice(0, SAMPLE_ROWS).sort();
}

/** Copies the non-missing values of the sampled rows into out; returns how many. */
export function sampleValues(
  col: Float32Array,
  sample: Uint32Array | undefined,
  out: Float32Array,
) {
  let k = 0;
  if (sample) {
    for (let i = 0; i < sample.length; i++) {
      const v = col[sample[i]!]!;
      if (v === v) out[k++] = v;
    }
  } else {
    for (let i = 0; i < col.length; i++) {
      const v = col[i]!;
      if (v === v) out[k++] = v;
    }
  }
  return k;
}

export function countMissing(col: Float32Array): number {
  let missing = 0;
  for (let i = 0; i < col.length; i++) if (col[i] !== col[i]) missing++;
  return missing;
}

/** The leaf row `r` reaches: left where `x <= threshold`, missing values as the node learned. */
export function leafOf(tree: FlatTree, columns: Float32Array[], r: number): number {
  const { feature, threshold, left, right, missingLeft, isLeaf } = tree;
  let nd = 0;
  while (isLeaf[nd] === 0) {
    const x = columns[feature[nd]!]![r]!;
    if (x <= threshold[nd]!) nd = left[nd]!;
    else if (x !== x && missingLeft[nd] === 1) nd = left[nd]!;
    else nd = right[nd]!;
  }
  return nd;
}
