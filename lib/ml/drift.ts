/**
 * Drift statistics between a training reference and live inputs: the population stability index
 * over the reference's decile bins (numbers) or categories (text), and the two-sample
 * Kolmogorov-Smirnov statistic with its asymptotic p-value (numbers).
 */

export type FeatureReference =
  | {
      kind: "numeric";
      column: string;
      edges: number[];
      proportions: number[];
      sample: number[];
      missing: number;
    }
  | { kind: "categorical"; column: string; proportions: Record<string, number>; other: number };

const SAMPLE = 1000;
const EPS = 1e-4;

export function numericReference(column: string, values: ArrayLike<number>): FeatureReference {
  const present = Array.from(values)
    .filter((v) => Number.isFinite(v))
    .sort((a, b) => a - b);
  const q = (p: number) =>
    present[Math.min(present.length - 1, Math.floor(p * present.length))] ?? 0;
  const edges = [...new Set(Array.from({ length: 9 }, (_, i) => q((i + 1) / 10)))];
  const step = Math.max(1, Math.floor(present.length / SAMPLE));
  return {
    kind: "numeric",
    column,
    edges,
    proportions: numericProportions(edges, present),
    sample: present.filter((_, i) => i % step === 0).slice(0, SAMPLE),
    missing: values.length ? (values.length - present.length) / values.length : 0,
  };
}

export function categoricalReference(column: string, values: string[]): FeatureReference {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30);
  const n = Math.max(1, values.length);
  const proportions = Object.fromEntries(top.map(([k, c]) => [k, c / n]));
  const other = 1 - top.reduce((a, [, c]) => a + c, 0) / n;
  return { kind: "categorical", column, proportions, other };
}

function numericProportions(edges: number[], values: number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) {
    let b = 0;
    while (b < edges.length && v > edges[b]!) b++;
    counts[b]!++;
  }
  const n = Math.max(1, values.length);
  return counts.map((c) => c / n);
}

export function psi(reference: number[], current: number[]): number {
  let s = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = Math.max(EPS, reference[i]!);
    const c = Math.max(EPS, current[i] ?? 0);
    s += (c - r) * Math.log(c / r);
  }
  return s;
}

/** Two-sample KS statistic and asymptotic p-value. */
export function ks(a: number[], b: number[]): { statistic: number; pValue: number } {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  if (!x.length || !y.length) return { statistic: 0, pValue: 1 };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const en = Math.sqrt((x.length * y.length) / (x.length + y.length));
  const lambda = (en + 0.12 + 0.11 / en) * d;
  let p = 0;
  for (let k = 1; k <= 100; k++) p += 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * lambda * lambda);
  return { statistic: d, pValue: Math.min(1, Math.max(0, lambda < 1e-3 ? 1 : p)) };
}

export interface FeatureDrift {
  feature: string;
  kind: FeatureReference["kind"];
  psi: number;
  ks?: number;
  pValue?: number;
  drifted: boolean;
  reference: { bin: string; share: number }[];
  current: { bin: string; share: number }[];
}

export function featureDrift(
  ref: FeatureReference,
  current: (number | string | null)[],
  thresholds: { psi: number; ksPValue: number },
): FeatureDrift {
  if (ref.kind === "numeric") {
    const values = current.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    const cur = numericProportions(ref.edges, values);
    const p = psi(ref.proportions, cur);
    const k = ks(ref.sample, values);
    const labels = ref.proportions.map((_, b) =>
      b === 0
        ? `≤ ${ref.edges[0]}`
        : b === ref.edges.length
          ? `> ${ref.edges.at(-1)}`
          : `≤ ${ref.edges[b]}`,
    );
    return {
      feature: ref.column,
      kind: "numeric",
      psi: p,
      ks: k.statistic,
      pValue: k.pValue,
      drifted: p > thresholds.psi || k.pValue < thresholds.ksPValue,
      reference: ref.proportions.map((share, b) => ({ bin: labels[b]!, share })),
      current: cur.map((share, b) => ({ bin: labels[b]!, share })),
    };
  }
  const cats = Object.keys(ref.proportions);
  const n = Math.max(1, current.length);
  const counts = new Map<string, number>();
  for (const v of current) counts.set(String(v ?? ""), (counts.get(String(v ?? "")) ?? 0) + 1);
  const cur = cats.map((c) => (counts.get(c) ?? 0) / n);
  const curOther = 1 - cur.reduce((a, b) => a + b, 0);
  const refShares = [...cats.map((c) => ref.proportions[c]!), ref.other];
  const curShares = [...cur, curOther];
  const p = psi(refShares, curShares);
  return {
    feature: ref.column,
    kind: "categorical",
    psi: p,
    drifted: p > thresholds.psi,
    reference: [...cats, "(other)"].map((bin, i) => ({ bin, share: refShares[i]! })),
    current: [...cats, "(other)"].map((bin, i) => ({ bin, share: curShares[i]! })),
  };
}
