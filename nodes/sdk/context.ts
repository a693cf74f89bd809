import type { Sql } from "postgres";
import type { StepIO } from "../../lib/data/step-io";
import type { StepOutputs } from "../../workflows/plan";
import type { Trainer } from "./trainer";
import type { PrepOnnxOps } from "../../lib/ml/onnx/preprocess";

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

/** A model version registered by a deploy step. */
export interface RegisteredVersion {
  model: { id: string; name: string };
  version: { id: string; version: number };
}

/**
 * What a step may reach beyond its own files, bound to the run's workspace by the worker: the
 * node never holds the database or the Temporal client, only these calls. Each is idempotent by
 * `idempotencyKey` (run and step) where it writes.
 */
export interface StepServices {
  /** Whether an uploaded artifact belongs to the run's workspace. */
  uploads: { inWorkspace(hash: string): Promise<boolean> };
  /** A named PostgreSQL connection of the workspace; the caller ends it. */
  connections: { open(name: string): Promise<Sql> };
  /** The model registry and endpoints; failures that a retry cannot fix are StepInputErrors. */
  registry: {
    registerVersion(input: {
      modelName: string;
      artifactHash: string;
      algorithm: string;
      signature: Record<string, unknown>;
      metrics: unknown;
      lineage: Record<string, unknown>;
      reference?: { features: unknown[] };
      idempotencyKey: string;
    }): Promise<RegisteredVersion>;
    setAlias(input: {
      modelId: string;
      alias: string;
      versionId: string;
      idempotencyKey: string;
    }): Promise<void>;
    deploy(input: {
      name: string;
      modelId: string;
      alias: string;
      versionId: string;
      strategy: "replace" | "canary" | "shadow";
      challengerPercent: number;
      rateLimitPerMinute: number;
      idempotencyKey: string;
    }): Promise<{ deploymentId: string }>;
  };
  /**
   * Drift monitors of the workspace's deployments: checks the config, creates or updates the
   * deployment's schedule, and runs the first check now (keyed by `key`).
   */
  monitors: {
    start(
      config: Record<string, unknown>,
      everyMinutes: number,
      key: string,
    ): Promise<{ scheduleId: string; firstCheck: { rows: number; alerts: unknown[] } }>;
  };
  /** The trainers in the node registry, by algorithm (tune runs them). */
  trainer(algorithm: string): Trainer | undefined;
  /** How each fitted prep step runs per record inside an exported model, by recorded op. */
  prepOnnx: PrepOnnxOps;
}

/** What a node implementation receives from the worker's step runner. */
export interface StepContext<P = unknown> extends StepIO {
  /** The run's workspace: named things (connections) are looked up in it. */
  workspaceId: string;
  attempt: number;
  /** The node's params as stored; `defineActivity` hands the activity the parsed ones. */
  params: P;
  /** True when the step runs on the gpu task queue: it should use the best GPU provider. */
  gpu: boolean;
  /** Records a training step's or a trial's params, metrics and curve (experiment tracking). */
  track(entry: TrackedExperiment): Promise<void>;
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
  services: StepServices;
}

export type NodeActivity = (ctx: StepContext) => Promise<StepOutputs>;
