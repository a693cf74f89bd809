import { StepInputError } from "../errors";
import { env } from "../env";
import type { SandboxLimits } from "./sandbox";

/** A code node's limit params (nodes/code-ports.ts), after parsing. */
export interface CodeLimitParams {
  timeoutSeconds: number;
  cpuSeconds: number;
  memoryMiB: number;
  outputMiB: number;
  diskMiB: number;
}

const MIB = 1024 * 1024;

/**
 * The sandbox limits of a code step: its params, within the maximums the operator set
 * (CODE_MAX_*). A param at its default value is lowered to the maximum quietly; any other value
 * above the maximum fails the step, naming the variable that allows more.
 */
export function sandboxLimits(
  params: CodeLimitParams,
  what: string,
  /** The params' defaults: a default above the maximum is lowered quietly. */
  defaults: CodeLimitParams,
): SandboxLimits {
  const e = env();
  const within = (name: keyof CodeLimitParams, variable: string, max: number, unit: string) => {
    const value = params[name];
    if (value <= max) return value;
    if (value === defaults[name]) return max;
    throw new StepInputError(
      `${what}: ${name} ${value} is above this worker's maximum of ${max}${unit} (${variable}); lower the param or raise ${variable}`,
    );
  };
  return {
    wallMs: within("timeoutSeconds", "CODE_MAX_SECONDS", e.CODE_MAX_SECONDS, " s") * 1000,
    cpuSeconds: within("cpuSeconds", "CODE_MAX_CPU_SECONDS", e.CODE_MAX_CPU_SECONDS, " s"),
    memoryMiB: within("memoryMiB", "CODE_MAX_MEMORY_MIB", e.CODE_MAX_MEMORY_MIB, " MiB"),
    outputBytes: within("outputMiB", "CODE_MAX_OUTPUT_MIB", e.CODE_MAX_OUTPUT_MIB, " MiB") * MIB,
    diskBytes: within("diskMiB", "CODE_MAX_DISK_MIB", e.CODE_MAX_DISK_MIB, " MiB") * MIB,
    threads: e.CODE_MAX_THREADS,
  };
}
