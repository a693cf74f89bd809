import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { quoteLiteral } from "../../../lib/data/sandbox";
import type { ArtifactRef } from "../../../workflows/plan";
import { prepOnnx, trainers } from "../../activities";
import type { StepContext, StepServices, TrackedExperiment } from "../context";

/** An artifact the fake context stored: its file, and the metadata it was written with. */
export interface FakeArtifact extends ArtifactRef {
  file: string;
  metadata: Record<string, unknown>;
}

/** An input of a fake step: a dataset from rows or a CSV file, JSON, or a stored artifact. */
export type FakeInput =
  | { rows: Record<string, unknown>[]; metadata?: Record<string, unknown> }
  | { csv: string; metadata?: Record<string, unknown> }
  | { json: unknown }
  | FakeArtifact;

export interface FakeStep<P> {
  ctx: StepContext<P>;
  logs: string[];
  tracked: TrackedExperiment[];
  progress: { done: number; total: number; unit?: string }[];
  /** Every artifact written, by hash. */
  artifacts: Map<string, FakeArtifact>;
  /** An output as the next step would see it: its file and metadata. */
  output(ref: ArtifactRef | undefined): FakeArtifact;
  /** A dataset output's rows, read back with DuckDB. */
  rows(ref: ArtifactRef | undefined): Promise<Record<string, unknown>[]>;
  json(ref: ArtifactRef | undefined): Promise<unknown>;
  dispose(): Promise<void>;
}

const unavailable = (what: string) => () => {
  throw new Error(`${what} is not available in this test: pass it in services`);
};

/**
 * A step context for a node's unit test, in the spirit of n8n's per-node tests: inputs are small
 * fixtures (rows, a CSV beside the test, JSON), artifacts are files in a temporary directory, and
 * services are fakes the test passes. DuckDB, onnxruntime and the node's own code are real.
 */
/** Every artifact fake steps wrote in this process, as the artifact store holds them. */
const everyArtifact = new Map<string, FakeArtifact>();

export async function fakeStep<P>(options: {
  params: P;
  inputs?: Record<string, FakeInput>;
  services?: Partial<StepServices>;
  stepId?: string;
  /** Runs a child activity (tune's trials) in place of a workflow of its own. */
  runChild?: StepContext["runChild"];
}): Promise<FakeStep<P>> {
  const root = await mkdtemp(path.join(os.tmpdir(), "flowforge-node-test-"));
  const workDir = path.join(root, "work");
  const store = path.join(root, "store");
  await Promise.all([mkdir(workDir), mkdir(store)]);
  const artifacts = new Map<string, FakeArtifact>();
  const logs: string[] = [];
  const tracked: TrackedExperiment[] = [];
  const progress: FakeStep<P>["progress"] = [];

  const put = async (
    kind: string,
    source: string,
    metadata: Record<string, unknown>,
  ): Promise<FakeArtifact> => {
    const bytes = await readFile(source);
    const hash = createHash("sha256").update(bytes).digest("hex");
    const file = path.join(store, hash);
    await copyFile(source, file);
    const artifact = { hash, kind, sizeBytes: (await stat(file)).size, file, metadata };
    artifacts.set(hash, artifact);
    everyArtifact.set(hash, artifact);
    return artifact;
  };
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  const datasetFrom = async (relation: string, name: string, metadata = {}) => {
    const file = path.join(root, `${name}.parquet`);
    await db.run(`COPY (${relation}) TO ${quoteLiteral(file)} (FORMAT parquet)`);
    const schema = (await db.runAndReadAll(`DESCRIBE ${relation}`))
      .getRowObjects()
      .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    return put("dataset", file, { schema, ...metadata });
  };

  const inputs: Record<string, FakeArtifact> = {};
  for (const [port, input] of Object.entries(options.inputs ?? {})) {
    if ("hash" in input) {
      inputs[port] = input;
      everyArtifact.set(input.hash, input);
    }
    else if ("json" in input) {
      const file = path.join(root, `${port}.json`);
      await writeFile(file, JSON.stringify(input.json));
      inputs[port] = await put("json", file, {});
    } else if ("csv" in input) {
      inputs[port] = await datasetFrom(
        `SELECT * FROM read_csv(${quoteLiteral(input.csv)})`,
        port,
        input.metadata,
      );
    } else {
      const file = path.join(root, `${port}.jsonl`);
      await writeFile(file, input.rows.map((r) => JSON.stringify(r)).join("\n"));
      inputs[port] = await datasetFrom(
        `SELECT * FROM read_json(${quoteLiteral(file)}, format = 'newline_delimited')`,
        port,
        input.metadata,
      );
    }
  }

  const services: StepServices = {
    uploads: { inWorkspace: unavailable("services.uploads") },
    connections: { open: unavailable("services.connections") },
    registry: {
      registerVersion: unavailable("services.registry"),
      setAlias: unavailable("services.registry"),
      deploy: unavailable("services.registry"),
    },
    monitors: { start: unavailable("services.monitors") },
    trainer: (algorithm) => trainers[algorithm],
    prepOnnx,
    ...options.services,
  };
  const input = (port: string) => {
    const ref = inputs[port];
    if (!ref) throw new Error(`no input on port "${port}"`);
    return ref;
  };
  const refs = Object.fromEntries(
    Object.entries(inputs).map(([port, a]) => [
      port,
      { hash: a.hash, kind: a.kind, sizeBytes: a.sizeBytes },
    ]),
  );
  let copies = 0;
  const ctx: StepContext<P> = {
    runId: "test-run",
    stepId: options.stepId ?? "step",
    workspaceId: "test-workspace",
    attempt: 1,
    params: options.params,
    inputs: refs,
    signal: new AbortController().signal,
    workDir,
    gpu: false,
    async inputPath(port) {
      const local = path.join(workDir, `input-${port}-${copies++}`);
      await copyFile(input(port).file, local);
      return local;
    },
    async artifactPath(hash, filename) {
      // As the real store: any artifact written before, by this step or an earlier one.
      const a = artifacts.get(hash) ?? everyArtifact.get(hash);
      if (!a) throw new Error(`no artifact ${hash}`);
      const local = path.join(workDir, `artifact-${filename}`);
      await copyFile(a.file, local);
      return local;
    },
    writeFile: (kind, localPath, metadata = {}) => put(kind, localPath, metadata),
    inputMetadata: (port) => Promise.resolve(input(port).metadata),
    readJson: async (port) => JSON.parse(await readFile(input(port).file, "utf8")) as unknown,
    async writeJson(kind, value) {
      const file = path.join(root, `json-${copies++}.json`);
      await writeFile(file, JSON.stringify(value));
      return put(kind, file, {});
    },
    progress: (p) => void progress.push(p),
    log: (m) => void logs.push(m),
    track: (entry) => {
      tracked.push(entry);
      return Promise.resolve();
    },
    runChild: options.runChild ?? unavailable("runChild"),
    services,
  };
  const output = (ref: ArtifactRef | undefined) => {
    const a = ref && artifacts.get(ref.hash);
    if (!a) throw new Error(`no such output artifact`);
    return a;
  };
  return {
    ctx,
    logs,
    tracked,
    progress,
    artifacts,
    output,
    async rows(ref) {
      const reader = await db.runAndReadAll(
        `SELECT * FROM read_parquet(${quoteLiteral(output(ref).file)})`,
      );
      // Plain values for assertions: whole numbers as numbers, dates and decimals as text.
      return reader
        .getRowObjects()
        .map((row) =>
          Object.fromEntries(
            Object.entries(row).map(([k, v]) => [
              k,
              typeof v === "bigint"
                ? Number.isSafeInteger(Number(v))
                  ? Number(v)
                  : v.toString()
                : v !== null && typeof v === "object"
                  ? (v as { toString(): string }).toString()
                  : v,
            ]),
          ),
        );
    },
    json: async (ref) => JSON.parse(await readFile(output(ref).file, "utf8")) as unknown,
    async dispose() {
      db.closeSync();
      instance.closeSync();
      await rm(root, { recursive: true, force: true });
    },
  };
}
