import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { Connection } from "@temporalio/client";
import { StartupError } from "../../lib/errors";

export interface RunningTemporal {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

export function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
  graceMs = 10_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** The Temporal CLI's dev server, persisted in a SQLite file, reachable on loopback only. */
export async function startTemporalDevServer(options: {
  cli: string;
  dbFile: string;
  port: number;
  uiPort: number;
  log: (line: string) => void;
}): Promise<RunningTemporal> {
  const args = [
    "server",
    "start-dev",
    "--db-filename",
    options.dbFile,
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--ui-port",
    String(options.uiPort),
    "--log-level",
    "error",
  ];
  const child = spawn(options.cli, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-4000);
    for (const line of text.split("\n")) if (line.trim()) options.log(line);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );

  const address = `127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const early = await Promise.race([exited, sleep(250).then(() => "running" as const)]);
    if (early !== "running") {
      throw new StartupError(
        `The Temporal dev server exited (code ${early}) before it was ready:\n${output.trim()}`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        await stopChild(child);
        throw new StartupError(
          `The Temporal dev server did not answer on ${address} within 60 s:\n${output.trim()}`,
        );
      }
    }
  }
  return { address, uiUrl: `http://127.0.0.1:${options.uiPort}`, stop: () => stopChild(child) };
}
