import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { round } from "./lib";

const exec = promisify(execFile);
const VERSION = "v12.12.0";
const BIN_DIR = path.resolve(".data/tools/vegeta", VERSION);

/**
 * vegeta (a Go HTTP load generator) built once per checkout with `go install` from the Go module
 * proxy. It keeps a constant arrival rate whatever the server's latency (open loop), so a slow
 * response cannot hide the requests that should have been sent meanwhile, and it costs far less
 * CPU than a Node generator on a machine the server shares.
 */
export async function ensureVegeta(log: (line: string) => void): Promise<string> {
  const bin = path.join(BIN_DIR, "vegeta");
  if (existsSync(bin)) return bin;
  log(`building vegeta ${VERSION} into ${BIN_DIR} (once per checkout; needs Go)`);
  await mkdir(BIN_DIR, { recursive: true });
  try {
    await exec("go", ["install", `github.com/tsenart/vegeta/v12@${VERSION}`], {
      env: { ...process.env, GOBIN: BIN_DIR },
      timeout: 600_000,
    });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    throw new Error(
      `building vegeta failed: ${e.code === "ENOENT" ? "go is not on the PATH" : (e.stderr ?? String(err))}\n` +
        `Install Go, or put a vegeta binary at ${bin}.`,
    );
  }
  return bin;
}

export interface LoadResult {
  /** Requests per second after the first second, and the percentiles of those requests. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  failed: number;
}

/**
 * POSTs the bodies in turn to `url` for `seconds`: at `rate` requests per second (open loop), or
 * as fast as `connections` workers can when `rate` is 0 (closed loop, the maximum throughput).
 */
export async function attack(options: {
  vegeta: string;
  url: string;
  headers: Record<string, string>;
  bodies: string[];
  seconds: number;
  rate: number;
  connections: number;
}): Promise<LoadResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "flowforge-vegeta-"));
  try {
    const header = Object.fromEntries(Object.entries(options.headers).map(([k, v]) => [k, [v]]));
    const targets = options.bodies
      .map((b) =>
        JSON.stringify({
          method: "POST",
          url: options.url,
          header,
          body: Buffer.from(b).toString("base64"),
        }),
      )
      .join("\n");
    await writeFile(path.join(dir, "targets.jsonl"), `${targets}\n`);
    const results = path.join(dir, "results.bin");
    const args = [
      "attack",
      "-format=json",
      `-targets=${path.join(dir, "targets.jsonl")}`,
      `-duration=${options.seconds}s`,
      `-rate=${options.rate}/s`,
      `-output=${results}`,
      "-keepalive=true",
      ...(options.rate === 0
        ? [`-workers=${options.connections}`, `-max-workers=${options.connections}`]
        : [`-workers=${options.connections}`]),
    ];
    await new Promise<void>((resolve, reject) => {
      const p = spawn(options.vegeta, args, { stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      p.stderr.on("data", (b: Buffer) => (err += b.toString()));
      p.on("error", reject);
      p.on("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`vegeta attack exited ${code}: ${err}`)),
      );
    });
    // BENCH_VEGETA_KEEP=dir keeps each attack's raw results (`vegeta encode` turns them to CSV).
    if (process.env.BENCH_VEGETA_KEEP)
      await copyFile(
        results,
        path.join(process.env.BENCH_VEGETA_KEEP, `${Date.now()}-${options.rate}.bin`),
      );
    const { stdout } = await exec(options.vegeta, ["encode", "--to", "csv", results], {
      maxBuffer: 1 << 30,
    });
    // Columns: timestamp (ns), status code, latency (ns), … The first second (connections being
    // opened, the JIT warming) is left out of the percentiles, for the product and the floor alike.
    const rows = stdout
      .trim()
      .split("\n")
      .map((line) => line.split(","))
      .map((f) => ({ at: Number(f[0]), code: f[1], latencyNs: Number(f[2]) }));
    const start = Math.min(...rows.map((r) => r.at));
    const end = Math.max(...rows.map((r) => r.at));
    const measured = rows.filter((r) => r.at >= start + 1e9);
    const latencies = measured.map((r) => r.latencyNs / 1e6).sort((a, b) => a - b);
    const at = (q: number) =>
      round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0);
    return {
      rps: Math.round(measured.length / Math.max(1e-9, (end - start - 1e9) / 1e9)),
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: round(latencies[latencies.length - 1] ?? 0),
      requests: rows.length,
      failed: rows.filter((r) => r.code !== "200").length,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
