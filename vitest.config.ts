import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["**/*.test.ts"],
    // tests/faults/** is `npm run test:faults` (vitest.faults.config.ts): private stacks, minutes long.
    exclude: ["node_modules/**", ".data/**", ".next/**", "tests/e2e/**", "tests/faults/**"],
    globalSetup: ["tests/setup/global.ts"],
    setupFiles: ["tests/setup/env.ts"],
    // One shared Postgres and Temporal server on a 2-core machine: files run one at a time.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
