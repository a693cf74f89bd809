import { defineConfig } from "vitest/config";
import path from "node:path";

/**
 * `npm run test:faults`: the fault-injection suite (tests/faults). Each file starts its own
 * private PostgreSQL and Temporal server, since it kills, restarts or starves them.
 */
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["tests/faults/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
