import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { and, count, eq, inArray, sql } from "drizzle-orm";
import { createCaller } from "../server/api/root";
import { contextFor } from "../server/api/trpc";
import { createUser, DEFAULT_WORKSPACE_ID, setMember } from "../server/auth/users";
import { closeDb, getDb } from "../server/db/client";
import { runMigrations } from "../server/db/migrate";
import { runs, runSteps } from "../server/db/schema";
import { startStackOnFreePorts } from "../server/embedded/stack";
import { resetEnvForTests } from "../lib/env";
import { waitForRun } from "../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../server/temporal/client";
import { bySize, median, round, sizeFromEnv, writeResult, type BenchCase } from "./lib";

/**
 * `npm run bench -- load`: RUNS small pipelines (numbers → noop → sum) submitted at once through
 * the API (the tRPC procedures, as an analyst), executed by 1, 2 and 4 worker processes on one
 * embedded stack: throughput in runs per minute, p50 and p99 latency from submission to the end
 * of the run, and the runs lost (not succeeded, or missing). The baseline is one worker.
 */
const RUNS = sizeFromEnv("BENCH_RUNS", 200, 4);
const WORKERS = bySize([1, 2, 4], [1, 2]);

const dataDir = await mkdtemp(path.join(os.tmpdir(), "flowforge-bench-load-"));
const stack = await startStackOnFreePorts(dataDir);
process.env.DATABASE_URL = stack.databaseUrl;
process.env.TEMPORAL_ADDRESS = stack.temporalAddress;
process.env.DATA_DIR = dataDir;
resetEnvForTests();
await runMigrations(stack.databaseUrl);
const db = getDb();

function startWorker(identity: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "server/temporal/worker-main.ts",
      "--queues",
      "cpu",
      "--identity",
      identity,
    ],
    { env: process.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  return (async () => {
    const deadline = Date.now() + 90_000;
    while (!output.includes(`worker ${identity} polling`)) {
      if (child.exitCode !== null) throw new Error(`worker exited early:\n${output}`);
      if (Date.now() > deadline) throw new Error(`worker did not start in 90 s:\n${output}`);
      await sleep(100);
    }
    return child;
  })();
}

async function stopWorker(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

const analyst = await createUser(db, {
  email: `load-${Date.now()}@bench.local`,
  name: "Load bench",
  password: "load bench password",
});
await setMember(db, DEFAULT_WORKSPACE_ID, analyst.id, "analyst");
const api = createCaller(
  contextFor({
    userId: analyst.id,
    email: analyst.email,
    name: "Load bench",
    workspaceId: DEFAULT_WORKSPACE_ID,
    workspaceName: "Default",
    role: "analyst",
  }),
);

const client = await getTemporalClient();
const cases: BenchCase[] = [];
const stepsPerWorker: Record<number, number[]> = {};
const results: Record<
  number,
  { runsPerMinute: number; p50Ms: number; p99Ms: number; lost: number }
> = {};
try {
  for (const workers of WORKERS) {
    const children = await Promise.all(
      Array.from({ length: workers }, (_, i) => startWorker(`load-${workers}-${i}`)),
    );
    const saved = await api.pipelines.save({
      document: {
        apiVersion: "flowforge.dev/v1",
        kind: "Pipeline",
        name: `load ${workers} workers`,
        nodes: [
          { id: "numbers", type: "internal.numbers", params: { count: 10 } },
          { id: "noop", type: "internal.noop", params: { tag: String(workers) } },
          { id: "sum", type: "internal.sum" },
        ],
        edges: [
          { source: "numbers", sourcePort: "numbers", target: "noop", targetPort: "in" },
          { source: "noop", sourcePort: "out", target: "sum", targetPort: "numbers" },
        ],
      },
    });
    const t0 = performance.now();
    const latencies: number[] = [];
    const started = await Promise.all(
      Array.from({ length: RUNS }, async () => {
        const submitted = performance.now();
        const run = await api.runs.start({ pipelineId: saved.pipelineId, cache: false });
        return { ...run, submitted };
      }),
    );
    await Promise.all(
      started.map(async (r) => {
        await waitForRun(client, r.workflowId).catch(() => undefined);
        latencies.push(performance.now() - r.submitted);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const ids = started.map((r) => r.runId);
    const [succeeded] = await db
      .select({ n: count() })
      .from(runs)
      .where(and(inArray(runs.id, ids), eq(runs.status, "succeeded")));
    // Each run's three steps, once each.
    const [stepRows] = await db
      .select({
        n: count(),
        distinct: sql<number>`count(distinct (${runSteps.runId}, ${runSteps.stepId}))`,
      })
      .from(runSteps)
      .where(inArray(runSteps.runId, ids));
    const lost = RUNS - (succeeded?.n ?? 0);
    // How the steps spread over the workers: sharing the load, not one worker taking it all.
    const spread = await db
      .select({ worker: runSteps.workerIdentity, n: count() })
      .from(runSteps)
      .where(inArray(runSteps.runId, ids))
      .groupBy(runSteps.workerIdentity);
    if (Number(stepRows?.n) !== RUNS * 3 || Number(stepRows?.distinct) !== RUNS * 3)
      throw new Error(
        `step rows: ${stepRows?.n} (${stepRows?.distinct} distinct), expected ${RUNS * 3}`,
      );
    latencies.sort((a, b) => a - b);
    results[workers] = {
      runsPerMinute: round((RUNS / seconds) * 60, 0),
      p50Ms: round(median(latencies), 0),
      p99Ms: round(latencies[Math.floor(latencies.length * 0.99)] ?? 0, 0),
      lost,
    };
    stepsPerWorker[workers] = spread.map((r) => r.n).sort((a, b) => b - a);
    console.log(
      `${workers} worker(s): ${JSON.stringify(results[workers])}, steps per worker ${stepsPerWorker[workers].join("/")}`,
    );
    await Promise.all(children.map(stopWorker));
  }
  const one = results[1]!;
  for (const workers of WORKERS)
    cases.push({
      case: `${RUNS}-runs-${workers}-workers`,
      label:
        workers === 1
          ? `${RUNS} runs of a 3-step pipeline submitted at once through the API, 1 worker process`
          : `same, ${workers} worker processes`,
      product: results[workers]!,
      baseline: workers === 1 ? null : { name: "1 worker", ...one },
      ratio: workers === 1 ? null : round(results[workers]!.runsPerMinute / one.runsPerMinute, 2),
      ratioOf: workers === 1 ? undefined : "runs/min",
      goal: "0 runs lost",
      met: results[workers]!.lost === 0,
      workers,
      runs: RUNS,
      stepsPerWorker: stepsPerWorker[workers],
    });
  const lost = WORKERS.reduce((a, w) => a + results[w]!.lost, 0);
  const file = await writeResult({
    name: "load",
    headline: { metric: "runs_lost", value: lost, goal: "0 runs lost", met: lost === 0 },
    cases,
  });
  console.log(`wrote ${file}`);
} finally {
  await closeTemporalClient();
  await closeDb();
  await stack.stop();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(0);
