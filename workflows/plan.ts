/**
 * The plan: what the compiler produces and the generic interpreter executes. Pure types and
 * constants only; this file is bundled into the Temporal workflow sandbox.
 */
export const PLAN_VERSION = 1 as const;

export type TaskQueue = "cpu" | "gpu";

export interface RetryPolicySpec {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

export interface InputRef {
  step: string;
  port: string;
}

export interface PlanStep {
  id: string;
  nodeType: string;
  nodeVersion: number;
  /** Name of the activity registered on the worker. */
  activity: string;
  params: Record<string, unknown>;
  inputs: Record<string, InputRef>;
  taskQueue: TaskQueue;
  startToCloseTimeoutMs: number;
  heartbeatTimeoutMs: number | null;
  retry: RetryPolicySpec;
}

export interface Plan {
  planVersion: typeof PLAN_VERSION;
  pipelineName: string;
  /** Steps in a deterministic topological order. */
  steps: PlanStep[];
}

export interface ArtifactRef {
  hash: string;
  kind: string;
  sizeBytes: number;
}

export type StepOutputs = Record<string, ArtifactRef>;

export interface StepActivityInput {
  runId: string;
  stepId: string;
  params: Record<string, unknown>;
  inputs: Record<string, ArtifactRef>;
}

export type StepState =
  "pending" | "queued" | "running" | "succeeded" | "failed" | "cached" | "skipped" | "cancelled";

export interface RunPipelineInput {
  runId: string;
  plan: Plan;
}

export interface StepSnapshot {
  status: StepState;
  error?: string;
  outputs?: StepOutputs;
}

export interface RunSummary {
  runId: string;
  status: "succeeded" | "failed" | "cancelled";
  steps: Record<string, StepSnapshot>;
}
