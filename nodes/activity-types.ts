import type { ArtifactRef, StepOutputs } from "../workflows/plan";

export interface TrackedExperiment {
  /** -1 (the default) for the step itself, 0.. for the trials of a tune step. */
  trial?: number;
  algorithm: string;
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  curve: { iteration: number; train: number; validation?: number }[];
  score?: { name: string; value: number; higherIsBetter: boolean };
  modelHash?: string;
  provider?: string;
}

/** What a node implementation receives from the worker's step runner. */
export interface StepContext {
  runId: string;
  stepId: string;
  /** The run's workspace: named things (connections) are looked up in it. */
  workspaceId: string;
  attempt: number;
  params: unknown;
  inputs: Record<string, ArtifactRef>;
  signal: AbortSignal;
  /** A directory of this attempt's own, removed when the step ends. */
  workDir: string;
  /** A local copy of an input artifact (a dataset's Parquet file), inside workDir. */
  inputPath(port: string): Promise<string>;
  /** A local copy, inside workDir, of an artifact named by a param (an uploaded file). */
  artifactPath(hash: string, filename: string): Promise<string>;
  /** Stores a local file as an artifact, streaming it, with metadata such as a dataset's schema. */
  writeFile(
    kind: string,
    localPath: string,
    metadata?: Record<string, unknown>,
  ): Promise<ArtifactRef>;
  /** The metadata recorded with an input artifact (a dataset's schema, profile, preprocessing). */
  inputMetadata(port: string): Promise<Record<string, unknown>>;
  readJson(port: string): Promise<unknown>;
  writeJson(kind: string, value: unknown): Promise<ArtifactRef>;
  progress(p: { done: number; total: number; unit?: string }): void;
  /** True when the step runs on the gpu task queue: it should use the best GPU provider. */
  gpu: boolean;
  /** Records a training step's or a trial's params, metrics and curve (experiment tracking). */
  track(entry: TrackedExperiment): Promise<void>;
  log(message: string): void;
  /**
   * Runs a registered activity as its own workflow on a task queue, so work fans out across
   * workers (a tune step's trials). `key` names the call within the step; the same key attaches to
   * the same call.
   */
  runChild(
    activity: string,
    key: string,
    input: unknown,
    options: { taskQueue: string; timeoutMs: number; heartbeatMs?: number; retries?: number },
  ): Promise<unknown>;
}

export type NodeActivity = (ctx: StepContext) => Promise<StepOutputs>;
