import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { NativeConnection, Worker, bundleWorkflowCode } from "@temporalio/worker";
import { createArtifactStore } from "../server/artifacts/store";
import { closeDb, getDb } from "../server/db/client";
import { startStackOnFreePorts } from "../server/embedded/stack";
import { env, resetEnvForTests } from "../server/env";
import { createBookkeepingActivities } from "../server/temporal/bookkeeping";
import { closeTemporalClient, getTemporalClient } from "../server/temporal/client";
import { installTemporalRuntime } from "../server/temporal/logging";
import { createStepActivities } from "../server/temporal/step-runner";

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
