import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../../server/embedded/ports";
import { codeNodePython } from "../../lib/sandbox/python-packages";
import { E2E_ADMIN } from "./browser";

export interface RunningProduct {
  baseUrl: string;
  child: ChildProcess;
  log: () => string;
}

/** Free ports for one product instance; reuse them to start the same instance again. */
export async function productPorts() {
  return {
    PORT: String(await freePort()),
    PG_PORT: String(await freePort()),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
  };
}

export function ensureBuilt(): void {
  if (existsSync(".next/BUILD_ID")) return;
  console.log("building the web app first");
  if (spawnSync("npx", ["next", "build"], { stdio: "inherit" }).status !== 0)
    throw new Error("next build failed");
}

/**
 * The product exactly as `npm start` runs it, in `dataDir`, until it prints that it is ready.
 * `env` overrides the environment the test gives it (e.g. a worker without Python).
 */
export async function startProduct(
  dataDir: string,
  ports: Record<string, string>,
  env: Record<string, string> = {},
): Promise<RunningProduct> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/embedded/start.ts"], {
    env: {
      ...process.env,
      ...ports,
      DATA_DIR: dataDir,
      DATABASE_URL: "",
      TEMPORAL_ADDRESS: "",
      ADMIN_EMAIL: E2E_ADMIN.email,
      ADMIN_PASSWORD: E2E_ADMIN.password,
      // The checkout's pandas for Python code nodes (run.ts installs it once).
      CODE_PYTHON_PATH: codeNodePython.dir,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr.on("data", (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 240_000;
  while (!log.includes("Flowforge is ready")) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`npm start did not become ready:\n${log}`);
    await sleep(200);
  }
  return { baseUrl: `http://127.0.0.1:${ports.PORT}`, child, log: () => log };
}

/** SIGINT, as Ctrl-C sends; fails if it does not exit cleanly or leaves a process behind. */
export async function stopProduct(p: RunningProduct, dataDir: string): Promise<void> {
  const exited = new Promise<number | null>((resolve) =>
    p.child.once("exit", (code) => resolve(code)),
  );
  p.child.kill("SIGINT");
  const code = await Promise.race([exited, sleep(60_000).then(() => "timeout" as const)]);
  if (code !== 0)
    throw new Error(`npm start did not stop cleanly on SIGINT (${String(code)}):\n${p.log()}`);
  const leftovers = await processesMentioning(dataDir);
  if (leftovers.length)
    throw new Error(`processes left behind after SIGINT:\n${leftovers.join("\n")}`);
}

async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmd.includes(text)) found.push(`${pid}: ${cmd.replaceAll("\0", " ")}`);
  }
  return found;
}
