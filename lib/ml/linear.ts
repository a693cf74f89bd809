import { requireFinite, type Features } from "./features";
import type { NetModel } from "./neural";

/**
 * Ridge regression in closed form: minimizes |y - Xw - b|² + alpha |w|² with an unpenalized
 * intercept (as scikit-learn's Ridge), by centring, the normal equations and a Cholesky solve.
 * Returned as a one-layer network so it exports and evaluates like the other models.
 */
export function trainRidge(X: Features, y: Float64Array, alpha: number): NetModel {
  const n = X.rows;
  const f = X.names.length;
  if (n === 0) throw new Error("no training rows");
  requireFinite(X);
  const means = X.columns.map((col) => col.reduce((a, v) => a + v, 0) / n);
  let ym = 0;
  for (let i = 0; i < n; i++) ym += y[i]!;
  ym /= n;

  const A = new Float64Array(f * f);
  const rhs = new Float64Array(f);
  const centred = X.columns.map((col, j) => {
    const m = means[j]!;
    return Float64Array.from(col, (v) => v - m);
  });
  for (let a = 0; a < f; a++) {
    const ca = centred[a]!;
    for (let b = a; b < f; b++) {
      const cb = centred[b]!;
      let s = 0;
      for (let i = 0; i < n; i++) s += ca[i]! * cb[i]!;
      A[a * f + b] = s;
      A[b * f + a] = s;
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += ca[i]! * (y[i]! - ym);
    rhs[a] = s;
    A[a * f + a]! += alpha;
  }
  const w = choleskySolve(A, rhs, f);
  let b = ym;
  for (let j = 0; j < f; j++) b -= w[j]! * means[j]!;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    let p = b;
    for (let j = 0; j < f; j++) p += w[j]! * X.columns[j]![i]!;
    sse += (p - y[i]!) ** 2;
  }
  return {
    head: "identity",
    featureNames: X.names,
    layers: [{ inputs: f, outputs: 1, W: Float32Array.from(w), b: Float32Array.from([b]) }],
    bestEpoch: 1,
    curve: [{ iteration: 1, train: sse / n / 2 }],
    provider: "cpu",
  };
}

function choleskySolve(A: Float64Array, rhs: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        // A singular system (duplicated or constant columns with alpha 0) gets a tiny ridge.
        L[i * n + i] = Math.sqrt(s > 1e-12 ? s : 1e-12);
      } else L[i * n + j] = s / L[j * n + j]!;
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = rhs[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * z[k]!;
    z[i] = s / L[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  return x;
}
