/** Every benchmark, in the order `npm run bench -- all` runs them and the README table lists them. */
export const BENCHMARKS = ["orchestration", "canvas", "prep", "train", "serve", "load"] as const;

export type BenchmarkName = (typeof BENCHMARKS)[number];

export const isBenchmark = (name: string): name is BenchmarkName =>
  (BENCHMARKS as readonly string[]).includes(name);
