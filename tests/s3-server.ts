import { spawn } from "node:child_process";
import path from "node:path";
import { freePort } from "../server/embedded/ports";
import { ensurePythonPackages, tail } from "../lib/sandbox/python-packages";

/**
 * A real S3-compatible server for tests: moto's server mode (PyPI `moto`), installed once per
 * checkout into .data/tools/moto-<version> with `pip install --target` (like the Temporal CLI) and
 * started on a free loopback port. Only the S3 backend and the HTTP server's two dependencies are
 * installed (`moto[s3]` plus flask and flask-cors: `moto[server]` would add every other AWS
 * service's dependencies, three times the size, for nothing).
 */
export const MOTO_VERSION = "5.2.5";
const REQUIREMENTS = [`moto[s3]==${MOTO_VERSION}`, "flask", "flask-cors"];
export const MOTO_DIR = path.resolve(
  import.meta.dirname,
  "..",
  ".data",
  "tools",
  `moto-${MOTO_VERSION}`,
);

/** The directory to put on PYTHONPATH, installing moto there first when it is missing. */
export function ensureMoto(log: (line: string) => void = () => {}): Promise<string> {
  return ensurePythonPackages({
    dir: MOTO_DIR,
    requirements: REQUIREMENTS,
    markers: ["moto/server.py", "flask_cors"],
    what: `moto ${MOTO_VERSION} (the S3 contract tests' server)`,
    log,
  });
}

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** The server's recent output, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts moto's S3 server on a free 127.0.0.1 port; `stop()` ends it (and so does process exit). */
export async function startS3TestServer(
  log: (line: string) => void = () => {},
): Promise<S3TestServer> {
  const pythonPath = await ensureMoto(log);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    env: { ...process.env, PYTHONPATH: pythonPath, PYTHONNOUSERSITE: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8192);
    if (process.env.TEST_STACK_LOGS) process.stdout.write(`[moto] ${chunk.toString()}`);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const stop = async () => {
    process.off("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 60_000;
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`moto's S3 server exited at start:\n${tail(output)}`);
    // Any HTTP answer means the server is listening (GET / is S3's ListBuckets).
    const ready = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(2000) })
      .then(async (r) => (await r.arrayBuffer(), true))
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `moto's S3 server did not answer on ${endpoint} within 60 s:\n${tail(output)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`moto S3 server on ${endpoint}`);
  return { endpoint, output: () => output, stop };
}
