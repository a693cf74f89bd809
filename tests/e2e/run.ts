import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { codeNodePython, ensurePythonPackages } from "../python-tools";
import { ensureBuilt, productPorts, startProduct, stopProduct } from "./product";

/**
 * `npm run test:e2e`: starts the product exactly as `npm start` does (embedded PostgreSQL,
 * Temporal, a worker, the built web app) in a temporary data directory, runs the browser suites
 * against it with node's test runner, then stops it with SIGINT and checks that no process is
 * left behind and that a second start finds the data of the first.
 */
const dataDir = await mkdtemp(path.join(os.tmpdir(), "flowforge-e2e-"));
const ports = await productPorts();

function runSuites(baseUrl: string, files: string[]): number {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", "--test-concurrency=1", ...files],
    {
      stdio: "inherit",
      env: { ...process.env, BASE_URL: baseUrl },
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
    "tests/e2e/pipelines.e2e.ts",
    "tests/e2e/ml.e2e.ts",
    "tests/e2e/code.e2e.ts",
    "tests/e2e/people.e2e.ts",
  ]);
  await stopProduct(first, dataDir);
  console.log("e2e: first start stopped cleanly; starting again on the same data");

  const second = await startProduct(dataDir, ports);
  const again = runSuites(second.baseUrl, ["tests/e2e/persistence.e2e.ts"]);
  await stopProduct(second, dataDir);
  status = status || again;
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  status = 1;
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(status);
