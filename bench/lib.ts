import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export interface BenchCase {
  case: string;
  product: Record<string, number>;
  baseline: ({ name: string } & Record<string, number | string>) | null;
  ratio: number | null;
  [extra: string]: unknown;
}

export interface BenchResult {
  name: string;
  headline: { metric: string; value: number; goal: string; met: boolean };
  cases: BenchCase[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Writes bench/results/<name>.json in the shape every benchmark shares (docs in the README). */
export async function writeResult(result: BenchResult): Promise<string> {
  const file = path.join("bench", "results", `${result.name}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  const body = {
    name: result.name,
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    headline: result.headline,
    cases: result.cases,
  };
  await writeFile(file, JSON.stringify(body, null, 2) + "\n");
  return file;
}
