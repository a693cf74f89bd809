import { bundleWorkflowCode } from "@temporalio/worker";
import { workflowsPath } from "../server/temporal/worker";

/**
 * `npm run check:workflows`: bundles the workflow code the way the worker does. tsc does not catch
 * a workflow that imports a Node built-in or server code; the bundler does, so CI runs this.
 */
try {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: {
      log() {},
      trace() {},
      debug() {},
      info() {},
      warn: console.warn,
      error: console.error,
    },
  });
  console.log(`workflow bundle ok: ${(code.length / 1024).toFixed(0)} KiB from ${workflowsPath}`);
} catch (err) {
  console.error(`workflow bundle failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
