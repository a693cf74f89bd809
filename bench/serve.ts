import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as ort from "onnxruntime-node";
import { eq } from "drizzle-orm";
import { DEFAULT_WORKSPACE_ID } from "../server/auth/users";
import { deployments, modelVersions } from "../server/db/schema";
import { freePort } from "../server/embedded/ports";
import { openSession } from "../lib/ml/ort";
import type { Signature } from "../lib/ml/export";
import { savePipeline } from "../server/services/pipelines";
import { rotateKey } from "../server/services/registry";
import { getRun, startRun, waitForRun } from "../server/services/runs";
import { mulberry32 } from "../lib/ml/random";
import {
  bySize,
  median,
  round,
  sizeFromEnv,
  startBenchStack,
  writeResult,
  type BenchCase,
} from "./lib";
import { attack, ensureVegeta } from "./vegeta";

/**
 * `npm run bench -- serve`: a 100-tree boosted model, trained and deployed by a real pipeline, is
 * served by `npm run serve` in its own process and loaded over loopback by vegeta (single records
 * and batches of 64, OIP v2 infer): at the most 16 connections can do, then at a constant 2,000
 * requests per second. The limit is the same ONNX file in an onnxruntime
 * session called in this process with the same tensors. Goal: p99 under 5 ms at 2,000 requests
 * per second for single records.
 */
const FEATURES = 10;
const TREES = 100;
const ROWS = bySize(20_000, 2_000);
// Each phase leaves its first second out, so the shortest is 2 s.
const SECONDS = Math.max(2, sizeFromEnv("BENCH_SECONDS", 10, 2));
const WARM_UP_SECONDS = bySize(3, 2);
const FIXED_RATE = 2000;
const CONNECTIONS = 16;

const dataDir = await mkdtemp(path.join(os.tmpdir(), "flowforge-bench-serve-"));
const workflowsPath = path.resolve("workflows/index.ts");
await mkdir(path.join(dataDir, "files"), { recursive: true });
{
  const rand = mulberry32(7);
  const lines = [[...Array.from({ length: FEATURES }, (_, i) => `f${i}`), "y"].join(",")];
  for (let r = 0; r < ROWS; r++) {
    const x = Array.from({ length: FEATURES }, () => rand() * 2 - 1);
    const score = x[0]! * 2 - x[1]! + x[2]! * x[3]! + Math.sin(3 * x[4]!) + (rand() - 0.5);
    lines.push([...x.map((v) => v.toFixed(5)), score > 0 ? "yes" : "no"].join(","));
  }
  await writeFile(path.join(dataDir, "files", "serve.csv"), `${lines.join("\n")}\n`);
}

const bench = await startBenchStack({ dataDir, workflowsPath, identity: "bench-serve" });
const { db, client } = bench;
let serveProcess: ReturnType<typeof spawn> | undefined;
try {
  const document = {
    apiVersion: "flowforge.dev/v1",
    kind: "Pipeline",
    name: "serve bench",
    nodes: [
      { id: "ingest", type: "ingest.file", params: { path: "serve.csv" } },
      { id: "split", type: "prep.split", params: { method: "random", seed: 1 } },
      {
        id: "gbdt",
        type: "train.gbdt",
        params: { label: "y", trees: TREES, earlyStoppingRounds: 0 },
      },
      {
        id: "deploy",
        type: "deploy.endpoint",
        params: { endpoint: "bench", rateLimitPerMinute: 1_000_000 },
      },
    ],
    edges: [
      { source: "ingest", sourcePort: "dataset", target: "split", targetPort: "input" },
      { source: "split", sourcePort: "train", target: "gbdt", targetPort: "train" },
      { source: "split", sourcePort: "validation", target: "gbdt", targetPort: "validation" },
      { source: "gbdt", sourcePort: "model", target: "deploy", targetPort: "model" },
      { source: "split", sourcePort: "train", target: "deploy", targetPort: "reference" },
    ],
  };
  const saved = await savePipeline(db, { document, workspaceId: DEFAULT_WORKSPACE_ID });
  const started = await startRun(db, client, { pipelineVersionId: saved.version.id });
  await waitForRun(client, started.workflowId);
  const run = await getRun(db, started.runId);
  if (run.status !== "succeeded") throw new Error(`bench pipeline ${run.status}: ${run.error}`);
  const [d] = await db.select().from(deployments).where(eq(deployments.name, "bench"));
  const [v] = await db
    .select()
    .from(modelVersions)
    .where(eq(modelVersions.id, d!.primaryVersionId));
  const signature = v!.signature as unknown as Signature;
  const { apiKey } = await rotateKey(db, d!.id, "bench");

  // The serving process, as `npm run serve` starts it.
  const port = await freePort();
  // BENCH_PROFILE=dir writes a CPU profile of the serving process there.
  const profile = process.env.BENCH_PROFILE
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  serveProcess = spawn(
    process.execPath,
    [...profile, "--import", "tsx", "server/serving/main.ts"],
    {
      env: { ...process.env, SERVE_PORT: String(port), HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let log = "";
  serveProcess.stdout?.on("data", (b: Buffer) => (log += b.toString()));
  serveProcess.stderr?.on("data", (b: Buffer) => (log += b.toString()));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ready = await fetch(`${base}/v2/models/bench/ready`, {
      headers: { authorization: `Bearer ${apiKey}` },
    }).catch(() => null);
    if (ready?.status === 200) break;
    if (i > 600) throw new Error(`serving did not become ready:\n${log}`);
    await sleep(100);
  }

  const rand = mulberry32(11);
  const record = () => Array.from({ length: FEATURES }, () => rand() * 2 - 1);
  const body = (n: number) => {
    const rows = Array.from({ length: n }, record);
    return JSON.stringify({
      inputs: signature.inputs.map((input, c) => ({
        name: input.name,
        shape: [n, 1],
        datatype: "FP64",
        data: rows.map((r) => r[c]!),
      })),
    });
  };

  const vegeta = await ensureVegeta(console.log);
  // The serving process's CPU time (user + system, in clock ticks of 10 ms) from /proc.
  const serverCpuMs = async () => {
    const stat = await readFile(`/proc/${serveProcess!.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  const load = async (batch: number, rate = 0, seconds = SECONDS) => {
    const cpu0 = await serverCpuMs();
    const r = await attack({
      vegeta,
      url: `${base}/v2/models/bench/infer`,
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      bodies: Array.from({ length: 64 }, () => body(batch)),
      seconds,
      rate,
      connections: CONNECTIONS,
    });
    const serverCpuUsPerRequest = round((((await serverCpuMs()) - cpu0) * 1000) / r.requests, 0);
    return {
      rps: r.rps,
      ...(batch > 1 ? { rowsPerSecond: r.rps * batch } : {}),
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      maxMs: r.maxMs,
      failed: r.failed,
      serverCpuUsPerRequest,
    };
  };
  // The same load against a server that does nothing: the generator's and Node's own share.
  const floorAt2000 = async (one: string) => {
    const floorPort = await freePort();
    const server = spawn(process.execPath, ["bench/floor-server.mjs", String(floorPort)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      await new Promise((resolve) => server.stdout.once("data", resolve));
      const r = await attack({
        vegeta,
        url: `http://127.0.0.1:${floorPort}/`,
        headers: { "content-type": "application/json" },
        bodies: [one],
        seconds: SECONDS,
        rate: FIXED_RATE,
        connections: CONNECTIONS,
      });
      return { rps: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms, maxMs: r.maxMs, failed: r.failed };
    } finally {
      server.kill("SIGKILL");
    }
  };

  // Warm-up: JIT, the session's first runs, the logger's first batches.
  await load(1, 1000, WARM_UP_SECONDS);

  // The limit: the same model file, the same tensors, the same one-thread session as serving,
  // one session.run after another.
  const inProcess = async (batch: number) => {
    const { session } = await openSession(await bench.store.get(v!.artifactHash), { threads: 1 });
    const feeds = () => {
      const rows = Array.from({ length: batch }, record);
      return Object.fromEntries(
        signature.inputs.map((input, c) => [
          input.name,
          new ort.Tensor("float64", Float64Array.from(rows.map((r) => r[c]!)), [batch, 1]),
        ]),
      );
    };
    const latencies: number[] = [];
    const end = performance.now() + SECONDS * 1000;
    while (performance.now() < end) {
      const t0 = performance.now();
      await session.run(feeds());
      latencies.push(performance.now() - t0);
    }
    await session.release();
    latencies.sort((a, b) => a - b);
    return {
      rps: round(latencies.length / SECONDS, 0),
      p50Ms: round(median(latencies), 3),
      p99Ms: round(latencies[Math.floor(latencies.length * 0.99)]!, 3),
    };
  };

  const cases: BenchCase[] = [];
  for (const batch of [1, 64]) {
    const limit = await inProcess(batch);
    const http = await load(batch);
    console.log(
      `batch ${batch}: http ${JSON.stringify(http)} · in-process ${JSON.stringify(limit)}`,
    );
    cases.push({
      case: `max-throughput-batch-${batch}`,
      label:
        batch === 1
          ? `${TREES}-tree GBDT, ${FEATURES} features, over HTTP (\`npm run serve\`, OIP infer): single records, ${CONNECTIONS} connections, max rate`
          : `same, batches of ${batch}`,
      product: http,
      baseline: {
        name: "the same ONNX, one-thread session.run in-process, one at a time",
        ...limit,
      },
      ratio: round(http.rps / limit.rps, 3),
      ratioOf: "req/s",
    });
  }
  const floor = await floorAt2000(body(1));
  const fixed = await load(1, FIXED_RATE);
  console.log(
    `single records at ${FIXED_RATE} req/s: ${JSON.stringify(fixed)} · floor ${JSON.stringify(floor)}`,
  );
  const met = fixed.p99Ms < 5 && fixed.rps >= FIXED_RATE * 0.95 && fixed.failed === 0;
  const goal = `p99 < 5 ms at >= ${FIXED_RATE.toLocaleString("en-US")} req/s`;
  cases.push({
    case: `single-records-at-${FIXED_RATE}-rps`,
    label: `same, single records at a constant ${FIXED_RATE.toLocaleString("en-US")} req/s (vegeta, open loop; first second left out)`,
    product: fixed,
    baseline: {
      name: "a do-nothing Node HTTP server (parses the body, answers {}) under the same load",
      ...floor,
    },
    ratio: floor.p99Ms > 0 ? round(fixed.p99Ms / floor.p99Ms) : null,
    ratioOf: "p99",
    goal,
    met,
  });
  const file = await writeResult({
    name: "serve",
    headline: {
      metric: `p99_ms_single_records_at_${FIXED_RATE}_rps`,
      value: fixed.p99Ms,
      goal,
      met,
    },
    cases: cases.map((c) => ({ ...c, trees: TREES, features: FEATURES })),
  });
  console.log(`wrote ${file}`);
} finally {
  serveProcess?.kill("SIGTERM");
  await bench.stop();
  await rm(dataDir, { recursive: true, force: true });
}
// A child or handle left behind must not keep `npm run bench -- all` waiting.
process.exit(0);
