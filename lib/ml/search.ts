/** One searched param: a numeric range (log scale, whole numbers if asked) or a list of values. */
export type SearchDimension =
  | { min: number; max: number; log: boolean; int: boolean }
  | { values: (number | string | boolean)[] };
export type SearchSpace = Record<string, SearchDimension>;
import { mulberry32 } from "./random";

type Config = Record<string, number | string | boolean>;

function at(d: SearchDimension, u: number): number | string | boolean {
  if ("values" in d)
    return d.values[Math.min(d.values.length - 1, Math.floor(u * d.values.length))]!;
  const v = d.log
    ? Math.exp(Math.log(d.min) + u * (Math.log(d.max) - Math.log(d.min)))
    : d.min + u * (d.max - d.min);
  return d.int ? Math.round(v) : Number(v.toPrecision(6));
}

/** Seeded random configurations. */
export function randomConfigs(space: SearchSpace, count: number, seed: number): Config[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () =>
    Object.fromEntries(Object.entries(space).map(([k, d]) => [k, at(d, rand())])),
  );
}

/**
 * A grid of at most `budget` configurations: value lists as given, ranges cut into as many evenly
 * spaced points as the budget allows across the dimensions; duplicates (rounded integers) dropped.
 */
export function gridConfigs(space: SearchSpace, budget: number): Config[] {
  const dims = Object.entries(space);
  if (dims.length === 0) return [{}];
  const listed = dims
    .filter(([, d]) => "values" in d)
    .reduce((a, [, d]) => a * ("values" in d ? d.values.length : 1), 1);
  const ranges = dims.filter(([, d]) => !("values" in d)).length;
  const points = ranges ? Math.max(1, Math.floor((budget / listed) ** (1 / ranges))) : 1;
  const axes = dims.map(([k, d]) => {
    const values =
      "values" in d
        ? d.values
        : points === 1
          ? [at(d, 0.5)]
          : Array.from({ length: points }, (_, i) => at(d, i / (points - 1)));
    return [k, [...new Set(values)]] as const;
  });
  let configs: Config[] = [{}];
  for (const [k, values] of axes)
    configs = configs.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
  return configs.slice(0, budget);
}

/**
 * Successive halving: rounds of training with a growing resource (trees, epochs); after each
 * round the best third go on with three times the resource. Returns the rounds' sizes and
 * resources for `configs` starting configurations and a maximum resource.
 */
export function halvingRounds(
  configs: number,
  maxResource: number,
  eta = 3,
): { keep: number; resource: number }[] {
  const rounds: { keep: number; resource: number }[] = [];
  let n = configs;
  const count = Math.max(1, Math.floor(Math.log(configs) / Math.log(eta)) + 1);
  for (let i = 0; i < count && n >= 1; i++) {
    const resource = Math.max(1, Math.round(maxResource / eta ** (count - 1 - i)));
    rounds.push({ keep: n, resource });
    n = Math.floor(n / eta);
  }
  return rounds;
}
