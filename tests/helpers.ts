import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { inject } from "vitest";

export interface WorkerProcess {
  child: ChildProcess;
  identity: string;
  output: () => string;
  stop(): Promise<void>;
}

/** A real worker process, as `npm run worker` starts it, on the test stack (or `options.env`'s). */
export async function spawnWorkerProcess(
  identity: string,
  options: { queues?: string; env?: Record<string, string> } = {},
): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "server/temporal/worker-main.ts",
      "--queues",
      options.queues ?? "cpu",
      "--identity",
      identity,
    ],
    {
      env: {
        ...process.env,
        DATABASE_URL: inject("databaseUrl"),
        TEMPORAL_ADDRESS: inject("temporalAddress"),
        DATA_DIR: inject("dataDir"),
        // Last, so a test on a private stack (tests/faults) can point the worker at it.
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!output.includes(`worker ${identity} polling`)) {
    if (child.exitCode !== null) throw new Error(`worker exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`worker did not start in 60 s:\n${output}`);
    await sleep(100);
  }
  return {
    child,
    identity,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(100);
  }
}

export function pipelineDoc(name: string, nodes: unknown[], edges: unknown[] = []) {
  return { apiVersion: "flowforge.dev/v1", kind: "Pipeline", name, nodes, edges };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run cli -- <args>` in a child process, with `env` over this process's environment. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/cli/main.ts", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

/** NVIDIA's Open Inference Protocol client, installed from PyPI into a private directory. */
export const tritonclient = {
  dir: path.resolve(".data/tools/tritonclient"),
  requirements: ["tritonclient[http]>=2.40", "numpy"],
  markers: ["tritonclient/http/__init__.py", "numpy/__init__.py"],
  what: "tritonclient[http] (the standard Open Inference Protocol client)",
};
