import { afterEach, describe, expect, it } from "vitest";
import { StepInputError } from "../errors";
import { resetEnvForTests } from "../env";
import { sandboxLimits } from "./limits";

const MIB = 1024 * 1024;
const defaults = {
  timeoutSeconds: 300,
  cpuSeconds: 300,
  memoryMiB: 2048,
  outputMiB: 1024,
  diskMiB: 4096,
};

describe("code step limits", () => {
  afterEach(() => {
    for (const v of ["CODE_MAX_MEMORY_MIB", "CODE_MAX_SECONDS", "CODE_MAX_THREADS"])
      delete process.env[v];
    resetEnvForTests();
  });

  it("are the node's params within the operator's maximums", () => {
    expect(sandboxLimits(defaults, "Python code", defaults)).toEqual({
      wallMs: 300_000,
      cpuSeconds: 300,
      memoryMiB: 2048,
      outputBytes: 1024 * MIB,
      diskBytes: 4096 * MIB,
      threads: 256,
    });
  });

  it("lower a default to the maximum, and refuse a larger value naming the variable", () => {
    process.env.CODE_MAX_MEMORY_MIB = "1024";
    process.env.CODE_MAX_SECONDS = "60";
    process.env.CODE_MAX_THREADS = "32";
    resetEnvForTests();
    const limits = sandboxLimits(defaults, "Python code", defaults);
    expect(limits).toMatchObject({ memoryMiB: 1024, wallMs: 60_000, threads: 32 });
    expect(() => sandboxLimits({ ...defaults, memoryMiB: 4096 }, "Python code", defaults)).toThrow(
      new StepInputError(
        "Python code: memoryMiB 4096 is above this worker's maximum of 1024 MiB (CODE_MAX_MEMORY_MIB); lower the param or raise CODE_MAX_MEMORY_MIB",
      ),
    );
    expect(() =>
      sandboxLimits({ ...defaults, timeoutSeconds: 61 }, "TypeScript code", defaults),
    ).toThrow(/timeoutSeconds 61 is above this worker's maximum of 60 s \(CODE_MAX_SECONDS\)/);
  });
});
