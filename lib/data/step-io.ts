import type { ArtifactRef } from "../../workflows/plan";

/**
 * The part of a step's context that the data and ML libraries use: files in and out of the
 * step's work directory, cancellation and logs. The step SDK's context (nodes/sdk) is a superset,
 * so libraries take a step without knowing about nodes.
 */
export interface StepIO {
  runId: string;
  stepId: string;
  inputs: Record<string, ArtifactRef>;
  signal: AbortSignal;
  /** A directory of this attempt's own, removed when the step ends. */
  workDir: string;
  /** A local copy of an input artifact (a dataset's Parquet file), inside workDir. */
  inputPath(port: string): Promise<string>;
  /** A local copy, inside workDir, of an artifact by its hash (an upload, a split's rows of the file). */
  artifactPath(hash: string, filename: string): Promise<string>;
  /** The metadata recorded with an input artifact (a dataset's schema, profile, preprocessing). */
  inputMetadata(port: string): Promise<Record<string, unknown>>;
  /** Stores a local file as an artifact, streaming it, with metadata such as a dataset's schema. */
  writeFile(
    kind: string,
    localPath: string,
    metadata?: Record<string, unknown>,
  ): Promise<ArtifactRef>;
  writeJson(kind: string, value: unknown): Promise<ArtifactRef>;
  readJson(port: string): Promise<unknown>;
  progress(p: { done: number; total: number; unit?: string }): void;
  log(message: string): void;
}
