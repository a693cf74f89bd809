import path from "node:path";
import fc from "fast-check";
import { inject } from "vitest";
import { resetEnvForTests } from "../../lib/env";
import { installTemporalRuntime } from "../../server/temporal/logging";

// Every module reads configuration through lib/env.ts; point it at the test stack.
process.env.DATABASE_URL = inject("databaseUrl");
process.env.TEMPORAL_ADDRESS = inject("temporalAddress");
process.env.DATA_DIR = inject("dataDir");
process.env.ARTIFACT_DIR = path.join(inject("dataDir"), "artifacts");
resetEnvForTests();

try {
  installTemporalRuntime("WARN");
} catch {
  // already installed in this process
}

// Property tests draw the same cases on every run, so CI is repeatable; FUZZ_SEED=random (or a
// number) explores others, and a failure prints the seed that reproduces it.
const seed = process.env.FUZZ_SEED;
if (seed !== "random") fc.configureGlobal({ seed: seed ? Number(seed) : 20_261_122 });
