import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";
import type { StepContext } from "./sdk/context";
import type { NodeShape } from "./types";
import { StepInputError } from "../lib/errors";
import type { StepOutputs } from "../workflows/plan";
import { loadDataset, writeDataset } from "../lib/data/dataset";
import { startingAfter } from "../lib/data/preprocessing";
import { openSandbox } from "../lib/data/sandbox";
import * as ort from "onnxruntime-node";
import { env } from "../lib/env";
import type { Signature, Task } from "../lib/ml/export";
import type { ModelInput } from "../lib/ml/onnx/preprocess";
import { openSession } from "../lib/ml/ort";
import type { ModelMetadata } from "../lib/ml/model-metadata";
import { z } from "zod";
import { codeNodePython, pipInstallCommand } from "../lib/sandbox/python-packages";
import { copyOutOfBox, readBytesInBox, readJsonInBox } from "../lib/sandbox/read-back";
import { ReadBackError, SandboxUnavailableError } from "../lib/errors";
import { hasExternalData } from "../lib/sandbox/onnx-check";
import { MAX_FILES, runSandboxed, type SandboxLimits } from "../lib/sandbox/sandbox";

const harness = (file: string) =>
  fileURLToPath(new URL(`../lib/sandbox/harness/${file}`, import.meta.url));
const repoNodeModules = fileURLToPath(new URL("../node_modules", import.meta.url));
const SYSTEM_PYTHON = ["/usr/bin/python3", "/usr/bin/python3.11", "/usr/bin/python3.12"];

export type CodeLanguage = "python" | "typescript";

/** Python packages the sandbox offers (pandas, scikit-learn…): CODE_PYTHON_PATH or .data/tools/python. */
export function codePythonPath(): string {
  return env().CODE_PYTHON_PATH ?? codeNodePython.dir;
}

/**
 * What the code declared, as the frame needs it: ports to read back, and ctx.params checked and
 * filled with the declared defaults (free-form when the code declares no params).
 */
export function declaredIo(shape: NodeShape, params: Record<string, unknown>) {
  return {
    params: shape.params ? shape.params.parse(params) : params,
    datasetOutputs: shape.outputs.filter((o) => o.kind === "dataset").map((o) => o.name),
    modelOutputs: shape.outputs.filter((o) => o.kind === "model").map((o) => o.name),
  };
}

/**
 * The frame of a code node: its inputs and code in a fresh directory, the code run in the sandbox
 * with limits, its errors reported with the line they came from, and the files it wrote read back
 * as a dataset (with schema and profile) and metrics.
 */
export async function codeStep(
  ctx: StepContext,
  options: {
    language: CodeLanguage;
    code: string;
    params: Record<string, unknown>;
    limits: SandboxLimits;
    datasetOutputs: string[];
    /** Ports a Python node can write a scikit-learn model to (ctx.output_model). */
    modelOutputs?: string[];
  },
): Promise<StepOutputs> {
  const what = options.language === "python" ? "Python code" : "TypeScript code";
  const box = path.join(ctx.workDir, "box");
  await mkdir(path.join(box, "in"), { recursive: true });
  const inputs: Record<string, string> = {};
  for (const [port, ref] of Object.entries(ctx.inputs)) {
    if (ref.kind !== "dataset") continue;
    // The downloaded copy moves into the sandbox's directory: no second copy of the data.
    await rename(await ctx.inputPath(port), path.join(box, "in", `${port}.parquet`));
    inputs[port] = `/work/in/${port}.parquet`;
  }
  await writeFile(
    path.join(box, "ctx.json"),
    JSON.stringify({
      params: options.params,
      inputs,
      outputs: options.datasetOutputs,
      models: options.modelOutputs ?? [],
    }),
  );

  let command: string;
  let args: string[];
  let binds: [string, string][];
  let sandboxEnv: Record<string, string> = {};
  if (options.language === "python") {
    command = SYSTEM_PYTHON.find((p) => existsSync(p)) ?? "";
    if (!command) throw new StepInputError(`${what}: this worker has no Python 3 in /usr/bin`);
    await writeFile(path.join(box, "user_code.py"), options.code);
    args = ["-u", "/opt/ff/runner.py"];
    binds = [[harness("runner.py"), "/opt/ff/runner.py"]];
    if (existsSync(codePythonPath())) {
      binds.push([codePythonPath(), "/opt/py"]);
      // One BLAS thread: the step's CPU limit is per process, and the pool would only contend.
      sandboxEnv = { PYTHONPATH: "/opt/py", OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };
    }
  } else {
    let compiled: string;
    try {
      compiled = (
        await transform(options.code, {
          loader: "ts",
          format: "esm",
          target: "node20",
          sourcemap: "inline",
          sourcefile: "user_code.ts",
        })
      ).code;
    } catch (err) {
      const first = (err as { errors?: { text: string; location?: { line: number } }[] })
        .errors?.[0];
      throw new StepInputError(
        `${what}: line ${first?.location?.line ?? "?"}: ${first?.text ?? String(err)}`,
      );
    }
    await writeFile(path.join(box, "user_code.mjs"), compiled);
    command = "/usr/bin/node";
    if (!existsSync(command)) command = process.execPath;
    args = [
      "--enable-source-maps",
      `--max-old-space-size=${Math.max(64, Math.floor(options.limits.memoryMiB / 2))}`,
      "/opt/ff/runner.mjs",
    ];
    binds = [
      [harness("runner.mjs"), "/opt/ff/runner.mjs"],
      [repoNodeModules, "/opt/ff/node_modules"],
    ];
  }

  let lastProgress = 0;
  let result;
  try {
    result = await runSandboxed({
      dir: box,
      command,
      args,
      binds,
      env: sandboxEnv,
      // Node's heap is bounded by --max-old-space-size; the address space needs room for V8's and
      // DuckDB's reservations on top.
      limits:
        options.language === "typescript"
          ? { ...options.limits, addressSpaceMiB: options.limits.memoryMiB + 2048 }
          : options.limits,
      signal: ctx.signal,
      // The code's prints reach the step's logs as they happen, not when it ends.
      onLine: (line) => ctx.log(line),
      onProgress: (done, total) => {
        // A flood of progress lines reaches the step at most 10 times a second.
        const now = Date.now();
        if (now - lastProgress < 100 && done < total) return;
        lastProgress = now;
        ctx.progress({ done, total });
      },
    });
  } catch (err) {
    if (err instanceof SandboxUnavailableError) throw new StepInputError(`${what}: ${err.message}`);
    throw err;
  }
  // What did not go out live: the end of a long output, after a note of what was left out. At
  // most 200 lines in all (100 live, the note, 99 from the end).
  const rest = result.seenLines - result.liveLines;
  if (rest > 0) {
    const tail = result.lines.slice(-Math.min(rest, 99));
    if (rest > tail.length) ctx.log(`… ${rest - tail.length} lines not shown …`);
    for (const line of tail) ctx.log(line);
  }
  if (ctx.signal.aborted) throw new Error("cancelled");
  if (result.limit) {
    const l = options.limits;
    const explain = {
      wall: `it ran past the time limit of ${l.wallMs / 1000} s`,
      cpu: `it used up its CPU time (${l.cpuSeconds} s)`,
      memory: `it ran out of its memory limit (${l.memoryMiB} MiB)`,
      output: `its output passed the limit of ${l.outputBytes} bytes`,
      disk: `the files it wrote under /work and /tmp passed the disk limit of ${l.diskBytes / MIB} MiB (or ${MAX_FILES} files)`,
      threads: `it tried to run more than ${l.threads} threads (CODE_MAX_THREADS)`,
    }[result.limit];
    throw new StepInputError(`${what} was stopped: ${explain}`);
  }
  // Everything below reads what the code left in its directory: untrusted, through read-back.ts.
  const refused = (err: unknown): never => {
    if (err instanceof ReadBackError) throw new StepInputError(`${what}: ${err.message}`);
    throw err;
  };
  if (result.exitCode !== 0) {
    const e = await readJsonInBox(box, "error.json").catch(refused);
    if (e !== undefined) {
      const parsed = codeError.safeParse(e);
      if (!parsed.success)
        throw new StepInputError(`${what}: error.json was refused: it is not an error report`);
      const { type, message, line } = parsed.data;
      const hint =
        type === "ModuleNotFoundError" && /pandas|pyarrow|numpy|sklearn|skl2onnx|onnx/.test(message)
          ? ` (the sandbox's Python packages come from ${codePythonPath()}: ${pipInstallCommand({ ...codeNodePython, dir: codePythonPath() })})`
          : "";
      throw new StepInputError(
        `${what}: ${line ? `line ${line}: ` : ""}${type}: ${cut(message, 2000)}${hint}`,
      );
    }
    throw new StepInputError(
      `${what} exited with code ${result.exitCode}: ${result.lines.slice(-3).join(" | ") || "no output"}`,
    );
  }

  const outputs: StepOutputs = {};
  const outputBytes = options.limits.outputBytes;
  const db = await openSandbox(ctx.workDir);
  try {
    for (const port of options.datasetOutputs) {
      // DuckDB reads the worker's own copy, never a path inside the box.
      const copy = path.join(ctx.workDir, `from-code-${port}.parquet`);
      const found = await copyOutOfBox(box, `out/${port}.parquet`, copy, {
        maxBytes: outputBytes,
      }).catch(refused);
      if (!found) continue;
      await loadDataset(db.connection, copy, "result");
      const out = path.join(ctx.workDir, `${port}.parquet`);
      const metadata = await writeDataset(db.connection, "result", out);
      outputs[port] = await ctx.writeFile("dataset", out, {
        ...metadata,
        // Code does not run per request: a model trained on this output starts here.
        preprocessing: startingAfter(metadata.schema, `code node "${ctx.stepId}"`),
      });
    }
  } finally {
    db.close();
  }
  const metrics = await readJsonInBox(box, "metrics.json").catch(refused);
  if (
    metrics !== undefined &&
    (typeof metrics !== "object" || metrics === null || Array.isArray(metrics))
  )
    throw new StepInputError(`${what}: metrics.json was refused: it is not a JSON object`);
  const metricValues = (metrics ?? {}) as Record<string, unknown>;
  for (const port of options.modelOutputs ?? []) {
    const model = await readBytesInBox(box, `out/${port}.onnx`, { maxBytes: outputBytes }).catch(
      refused,
    );
    if (!model) continue;
    const description = await readJsonInBox(box, `out/${port}.json`).catch(refused);
    const copy = path.join(ctx.workDir, `from-code-${port}.onnx`);
    await writeFile(copy, model, { flag: "wx", mode: 0o600 });
    outputs[port] = await ctx.writeFile(
      "model",
      copy,
      (await pythonModelMetadata(
        ctx,
        model,
        `out/${port}.onnx`,
        description,
        `out/${port}.json`,
        metricValues,
      )) as unknown as Record<string, unknown>,
    );
  }
  outputs.metrics = await ctx.writeJson("metrics", metricValues);
  return outputs;
}

const MIB = 1024 * 1024;

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** error.json, as the harnesses write it. */
const codeError = z.object({
  type: z.string().max(200),
  message: z.string(),
  line: z.number().int().nullable().optional(),
});

/** out/<port>.json, as runner.py's output_model writes it. */
const modelDescription = z.object({
  algorithm: z.string().max(200),
  task: z.enum(["binary", "multiclass", "regression"]),
  label: z.string(),
  classes: z.array(z.union([z.string(), z.number()])).nullable(),
  features: z.array(z.string()),
  inputs: z.array(
    z.object({
      name: z.string(),
      column: z.string(),
      type: z.literal("double"),
      sourceType: z.string(),
    }),
  ),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

/**
 * The metadata of a model a Python node wrote (runner.py's output_model), in the shape of
 * Flowforge's own models, after checking that onnxruntime opens it and answers one row.
 */
async function pythonModelMetadata(
  ctx: StepContext,
  onnx: Uint8Array,
  modelFile: string,
  description: unknown,
  descriptionFile: string,
  metrics: Record<string, unknown>,
): Promise<ModelMetadata> {
  let external: boolean;
  try {
    external = hasExternalData(onnx);
  } catch {
    throw new StepInputError(`Python code: ${modelFile} was refused: it is not an ONNX model`);
  }
  if (external)
    throw new StepInputError(
      `Python code: ${modelFile} was refused: it refers to external data files (every tensor must be inside the model)`,
    );
  if (description === undefined)
    throw new StepInputError(`Python code: the model has no description (${descriptionFile})`);
  const parsed = modelDescription.safeParse(description);
  if (!parsed.success)
    throw new StepInputError(
      `Python code: ${descriptionFile} was refused: it is not a model description`,
    );
  const m: typeof parsed.data & { task: Task; inputs: ModelInput[] } = parsed.data;
  const classes = m.classes ?? undefined;
  const signature: Signature = {
    task: m.task,
    label: m.label,
    classes,
    features: m.features,
    inputs: m.inputs,
    outputs: classes
      ? [
          {
            name: "label",
            type: typeof classes[0] === "string" ? "string" : "int64",
            shape: ["N"],
          },
          { name: "probabilities", type: "float", shape: ["N", classes.length] },
        ]
      : [{ name: "prediction", type: "float", shape: ["N", 1] }],
  };
  try {
    const { session } = await openSession(onnx);
    const one = Object.fromEntries(
      m.inputs.map((i) => [i.name, new ort.Tensor("float64", new Float64Array(1), [1, 1])]),
    );
    const out = await session.run(one);
    const expected = signature.outputs.map((o) => o.name).filter((n) => !out[n]);
    await session.release();
    if (expected.length) throw new Error(`no output ${expected.join(", ")}`);
  } catch (err) {
    throw new StepInputError(
      `Python code: the model from output_model does not run in onnxruntime: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return {
    format: "onnx",
    algorithm: `python:${m.algorithm}`,
    signature,
    params: m.params,
    metrics: { train: metrics },
    bestIteration: 0,
    provider: "cpu",
    lineage: {
      runId: ctx.runId,
      stepId: ctx.stepId,
      train: Object.values(ctx.inputs)[0]?.hash ?? "",
    },
  };
}
