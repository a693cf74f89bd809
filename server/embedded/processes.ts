import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { pipeLines } from "./logs";

const root = process.cwd();
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");

/** Child processes inherit only what they need on top of the environment. */
function spawnLogged(source: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env, NO_COLOR: "1", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  pipeLines(child.stdout, source);
  pipeLines(child.stderr, source);
  return child;
}

export function spawnWorker(env: Record<string, string>, queues: string): ChildProcess {
  return spawnLogged(
    "worker",
    ["--import", "tsx", "server/temporal/worker-main.ts", "--queues", queues],
    env,
  );
}

export function spawnWeb(env: Record<string, string>, port: number, host: string): ChildProcess {
  return spawnLogged(
    "web",
    ["--import", "tsx", "server/web/main.ts", "--port", String(port), "--host", host],
    env,
  );
}

export function runNextBuild(env: Record<string, string>): Promise<void> {
  const child = spawnLogged("build", [nextBin, "build"], env);
  return new Promise((resolve, reject) =>
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`next build exited with code ${code}`)),
    ),
  );
}
