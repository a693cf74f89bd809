import { z } from "zod";
import type { PortDefinition, RuntimeDefaults } from "./types";

/** Code nodes take up to two datasets and write a dataset and metrics. */
export const codeInputs: PortDefinition[] = [
  { name: "input", kind: "dataset", label: "Input", required: false },
  { name: "input2", kind: "dataset", label: "Input 2", required: false },
];

export const codeOutputs: PortDefinition[] = [
  { name: "dataset", kind: "dataset", label: "Dataset", required: false },
  { name: "metrics", kind: "metrics", label: "Metrics", required: true },
];

export const codeLimits = {
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(24 * 3600)
    .default(300)
    .meta({ label: "Time limit (s)" }),
  cpuSeconds: z
    .number()
    .int()
    .min(1)
    .max(24 * 3600)
    .default(300)
    .meta({ label: "CPU time limit (s)" }),
  memoryMiB: z
    .number()
    .int()
    .min(256)
    .max(65_536)
    .default(2048)
    .meta({ label: "Memory limit (MiB)" }),
  outputMiB: z
    .number()
    .int()
    .min(1)
    .max(65_536)
    .default(1024)
    .meta({ label: "Output limit (MiB)", help: "Logs, and each file written." }),
  diskMiB: z.number().int().min(16).max(1_048_576).default(4096).meta({
    label: "Disk limit (MiB)",
    help: "All files written under /work and /tmp together.",
  }),
  params: z
    .record(z.string(), z.unknown())
    .default({})
    .meta({ label: "Params", widget: "json", help: "Given to the code as ctx.params." }),
};

/** The limit params' defaults: a default above the operator's maximum is lowered quietly. */
export const codeLimitDefaults = z
  .object({
    timeoutSeconds: codeLimits.timeoutSeconds,
    cpuSeconds: codeLimits.cpuSeconds,
    memoryMiB: codeLimits.memoryMiB,
    outputMiB: codeLimits.outputMiB,
    diskMiB: codeLimits.diskMiB,
  })
  .parse({});

export const codeRuntime: RuntimeDefaults = {
  taskQueue: "cpu",
  timeoutMs: 24 * 3_600_000,
  retries: 0,
  heartbeatMs: null,
  gpu: false,
};
