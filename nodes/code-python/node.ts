import { z } from "zod";
import { codeShape } from "../code-declarations";
import { codeInputs, codeLimits, codeOutputs, codeRuntime } from "../code-ports";
import { defineNode } from "../types";

export const DEFAULT_PYTHON = `def run(ctx):
    df = ctx.input("input")  # a pandas DataFrame
    ctx.log(f"{len(df)} rows")
    ctx.metric("rows", len(df))
    ctx.output("dataset", df)
`;

const pythonOutputs = [
  ...codeOutputs,
  { name: "model", kind: "model", label: "Model", required: false } as const,
];

export const codePython = defineNode({
  type: "code.python",
  category: "code",
  title: "Python code",
  description: "Your Python (pandas) on the input datasets, run in an isolated sandbox.",
  version: 1,
  internal: false,
  inputs: codeInputs,
  outputs: pythonOutputs,
  params: z.object({
    code: z
      .string()
      .min(1)
      .max(200_000)
      .default(DEFAULT_PYTHON)
      .meta({ label: "Code", widget: "code", language: "python" }),
    ...codeLimits,
  }),
  // Only workers with Python, pandas and a working sandbox poll this queue.
  runtime: { ...codeRuntime, taskQueue: "python" },
  shape: (params) =>
    codeShape(params.code ?? DEFAULT_PYTHON, "python", {
      inputs: codeInputs,
      outputs: pythonOutputs,
    }),
  docs: "Define `run(ctx)`: `ctx.input(port)` gives a pandas DataFrame (`ctx.input_path(port)` the Parquet file), `ctx.output(port, df)` writes a dataset, `ctx.metric(name, value)`, `ctx.log(...)`, `ctx.progress(done, total)`, `ctx.params`. The code runs in a sandbox: no network, no other processes, no environment, no files but its own; CPU, memory, time and output are limited.",
});
