import { parseArgs } from "node:util";
import { runMigrations } from "../db/migrate";
import { env, requireDatabaseUrl } from "../../lib/env";
import { installTemporalRuntime } from "./logging";
import { startWorker } from "./worker";

const { values } = parseArgs({
  options: { queues: { type: "string" }, identity: { type: "string" } },
});

const levels = { debug: "DEBUG", info: "INFO", warn: "WARN", error: "ERROR" } as const;
installTemporalRuntime(levels[env().LOG_LEVEL], (line) => {
  // Lifecycle chatter; the python and gpu queues' workers run no workflows by design.
  if (!/Worker state changed|Nexus|No workflows registered/.test(line)) console.log(line);
});

const queues = (values.queues ?? env().WORKER_QUEUES)
  .split(",")
  .map((q) => q.trim())
  .filter(Boolean);
const unknown = queues.filter((q) => q !== "cpu" && q !== "gpu" && q !== "python");
if (queues.length === 0 || unknown.length > 0) {
  console.error(
    `--queues must be a comma-separated list of cpu, gpu and python (got "${values.queues ?? ""}")`,
  );
  process.exit(2);
}

try {
  await runMigrations(requireDatabaseUrl());
  const worker = await startWorker({ queues, identity: values.identity });
  const gpuText = worker.gpus.length ? worker.gpus.map((g) => g.name).join(", ") : "none";
  console.log(`worker ${worker.identity} polling ${worker.queues.join(", ")} (GPUs: ${gpuText})`);
  const stop = () => void worker.shutdown();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await worker.done;
  console.log(`worker ${worker.identity} stopped`);
  process.exit(0);
} catch (err) {
  console.error(`worker failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
