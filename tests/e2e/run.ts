import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../../server/embedded/ports";

/**
 * `npm run test:e2e`: starts the product exactly as `npm start` does (embedded PostgreSQL,
 * Temporal, a worker, the built web app) in a temporary data directory, runs the browser suites
 * against it with node's test runner, then stops it with SIGINT and checks that no process is
 * left behind and that a second start finds the data of the first.
 */
const dataDir = await mkdtemp(path.join(os.tmpdir(), "flowforge-e2e-"));
const ports = {
  PORT: String(await freePort()),
  PG_PORT: String(await freePort()),
  TEMPORAL_PORT: String(await freePort()),
  TEMPORAL_UI_PORT: String(await freePort()),
};
const baseUrl = `http://127.0.0.1:${ports.PORT}`;

if (!existsSync(".next/BUILD_ID")) {
  console.log("e2e: building the web app first");
  if (spawnSync("npx", ["next", "build"], { stdio: "inherit" }).status !== 0) process.exit(1);
}

async function startProduct(): Promise<{ child: ChildProcess; log: () => string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/embedded/start.ts"], {
    env: { ...process.env, ...ports, DATA_DIR: dataDir, DATABASE_URL: "", TEMPORAL_ADDRESS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr.on("data", (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 240_000;
  while (!log.includes("Flowforge is ready")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`npm start did not become ready:\n${log}`);
    }
    await sleep(200);
  }
  return { child, log: () => log };
}

async function stopProduct(p: { child: ChildProcess; log: () => string }): Promise<void> {
  const exited = new Promise<number | null>((resolve) =>
    p.child.once("exit", (code) => resolve(code)),
  );
  p.child.kill("SIGINT");
  const code = await Promise.race([exited, sleep(60_000).then(() => "timeout" as const)]);
  if (code !== 0)
    throw new Error(`npm start did not stop cleanly on SIGINT (${String(code)}):\n${p.log()}`);
  // No process may outlive the product: nothing still runs with our data directory in its arguments.
  const leftovers = await processesMentioning(dataDir);
  if (leftovers.length)
    throw new Error(`processes left behind after SIGINT:\n${leftovers.join("\n")}`);
}

async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmd = await import("node:fs/promises")
      .then((fs) => fs.readFile(`/proc/${pid}/cmdline`, "utf8"))
      .catch(() => "");
    if (cmd.includes(text)) found.push(`${pid}: ${cmd.replaceAll("\0", " ")}`);
  }
  return found;
}

function runSuites(env: Record<string, string>, files: string[]): number {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", "--test-concurrency=1", ...files],
    {
      stdio: "inherit",
      env: { ...process.env, ...env, BASE_URL: baseUrl },
    },
  );
  return r.status ?? 1;
}

let status = 1;
try {
  const first = await startProduct();
  status = runSuites({}, ["tests/e2e/sample-run.e2e.ts", "tests/e2e/editor.e2e.ts"]);
  await stopProduct(first);
  console.log("e2e: first start stopped cleanly; starting again on the same data");

  const second = await startProduct();
  const again = runSuites({}, ["tests/e2e/persistence.e2e.ts"]);
  await stopProduct(second);
  status = status || again;
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  status = 1;
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(status);
