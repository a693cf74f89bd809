import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { NativeConnection, Worker, bundleWorkflowCode } from "@temporalio/worker";
import { createArtifactStore } from "../server/artifacts/store";
import { closeDb, getDb } from "../server/db/client";
import { startStackOnFreePorts } from "../server/embedded/stack";
import { env, resetEnvForTests } from "../lib/env";
import { createBookkeepingActivities } from "../server/temporal/bookkeeping";
import { closeTemporalClient, getTemporalClient } from "../server/temporal/client";
import { installTemporalRuntime } from "../server/temporal/logging";
import { createStepActivities } from "../server/temporal/step-runner";

export interface BenchCase {
  case: string;
  /** The README table's description of the case. */
  label: string;
  product: Record<string, number>;
  baseline: ({ name: string } & Record<string, number | string>) | null;
  ratio: number | null;
  /** What the ratio divides, product over baseline (the README table shows it beside the ratio). */
  ratioOf?: string;
  goal?: string;
  met?: boolean;
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

/** `--smoke`: every benchmark at a tiny size, through the same code, to prove that it runs. */
export const SMOKE = process.argv.includes("--smoke");

/** The full-size value, or the smoke-size one under `--smoke`. */
export const bySize = <T>(full: T, smoke: T): T => (SMOKE ? smoke : full);

/** A number from the environment (BENCH_ROWS and the like), else the size for this run. */
export function sizeFromEnv(variable: string, full: number, smoke: number): number {
  const set = process.env[variable];
  if (!set) return bySize(full, smoke);
  const value = Number(set);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${variable} must be a positive number`);
  return value;
}

/** Smoke results go beside, not over, the committed full-size ones. */
export const RESULTS_DIR = path.join("bench", "results", ...(SMOKE ? ["smoke"] : []));

/** Writes bench/results/<name>.json in the shape every benchmark shares (docs in the README). */
export async function writeResult(result: BenchResult): Promise<string> {
  const file = path.join(RESULTS_DIR, `${result.name}.json`);
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

/**
 * A throw-away stack in `dataDir` with one worker in this process (so the benchmark can read the
 * worker's memory and call it with no network hop), bundling the given workflows.
 */
export async function startBenchStack(options: {
  dataDir: string;
  workflowsPath: string;
  identity: string;
}) {
  const stack = await startStackOnFreePorts(options.dataDir);
  process.env.DATABASE_URL = stack.databaseUrl;
  process.env.TEMPORAL_ADDRESS = stack.temporalAddress;
  process.env.DATA_DIR = options.dataDir;
  resetEnvForTests();
  installTemporalRuntime("WARN");
  const db = getDb();
  const store = createArtifactStore(env());
  const connection = await NativeConnection.connect({ address: stack.temporalAddress });
  const worker = await Worker.create({
    connection,
    taskQueue: "cpu",
    identity: options.identity,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: options.workflowsPath,
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
    }),
    activities: {
      ...createBookkeepingActivities(db, store),
      ...createStepActivities({ db, store, identity: options.identity, workRoot: options.dataDir }),
    },
    maxHeartbeatThrottleInterval: "2 seconds",
  });
  const running = worker.run();
  return {
    db,
    store,
    client: await getTemporalClient(),
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await closeTemporalClient();
      await closeDb();
      await stack.stop();
    },
  };
}
