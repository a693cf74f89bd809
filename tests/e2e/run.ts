import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { codeNodePython, ensurePythonPackages } from "../../lib/sandbox/python-packages";
import { ensureBuilt, productPorts, startProduct, stopProduct } from "./product";

/**
 * `npm run test:e2e`: starts the product exactly as `npm start` does (embedded PostgreSQL,
 * Temporal, a worker, the built web app) in a temporary data directory, runs the browser suites
 * against it with node's test runner, then stops it with SIGINT and checks that no process is
 * left behind and that a second start finds the data of the first.
 */
const dataDir = await mkdtemp(path.join(os.tmpdir(), "flowforge-e2e-"));
const ports = await productPorts();
/** The second start's STEP_QUEUE_TIMEOUT_SECONDS (queue-wait.e2e.ts is told it too). */
const QUEUE_TIMEOUT_SECONDS = 25;

function runSuites(baseUrl: string, files: string[], env: Record<string, string> = {}): number {
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
  ensureBuilt();
  await ensurePythonPackages({ ...codeNodePython, log: console.log });
  const first = await startProduct(dataDir, ports);
  status = runSuites(first.baseUrl, [
    "tests/e2e/sample-run.e2e.ts",
    "tests/e2e/editor.e2e.ts",
    "tests/e2e/blank.e2e.ts",
    "tests/e2e/validation.e2e.ts",
    "tests/e2e/pipelines.e2e.ts",
    "tests/e2e/ml.e2e.ts",
    "tests/e2e/code.e2e.ts",
    "tests/e2e/typing.e2e.ts",
    "tests/e2e/people.e2e.ts",
  ]);
  await stopProduct(first, dataDir);
  console.log("e2e: first start stopped cleanly; starting again on the same data");

  // The second start's worker has no Python for code nodes (nothing where it looks, and no
  // install): queue-wait.e2e.ts sees a Python step wait for a worker, then give up after 25 s.
  const queueTimeout = { STEP_QUEUE_TIMEOUT_SECONDS: String(QUEUE_TIMEOUT_SECONDS) };
  const second = await startProduct(dataDir, ports, {
    CODE_PYTHON_PATH: path.join(dataDir, "no-python-here"),
    CODE_PYTHON_INSTALL: "false",
    ...queueTimeout,
  });
  const again = runSuites(
    second.baseUrl,
    ["tests/e2e/persistence.e2e.ts", "tests/e2e/queue-wait.e2e.ts"],
    queueTimeout,
  );
  await stopProduct(second, dataDir);
  status = status || again;
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  status = 1;
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(status);
