/**
 * The plan: what the compiler produces and the generic interpreter executes. Pure types and
 * constants only; this file is bundled into the Temporal workflow sandbox.
 */
export const PLAN_VERSION = 1 as const;

/** A step's state, as the run records it. */
export const stepStatuses = [
  "pending",
  "awaiting_approval",
  "queued",
  "running",
  "succeeded",
  "failed",
  "rejected",
  "cached",
  "skipped",
  "cancelled",
] as const;
export type StepStatus = (typeof stepStatuses)[number];

export type TaskQueue = "cpu" | "gpu" | "python";

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

/** What a step's cache key hashes, besides its input artifacts (known only at run time). */
export interface CacheKeyParts {
  nodeType: string;
  nodeVersion: number;
  params: Record<string, unknown>;
  paramsHash: string;
  codeHash: string | null;
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
  /** False when the node opts out: it always executes. */
  cache: boolean;
  cacheKeyParts: CacheKeyParts;
  /** The step waits for an `approveStep` signal before it is queued. */
  requiresApproval: boolean;
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
  | "pending"
  | "awaiting_approval"
  | "queued"
  | "running"
  | "succeeded"
  | "failed"
  | "rejected"
  | "cached"
  | "skipped"
  | "cancelled";

export interface RunOptions {
  /** False turns the cache off for the whole run. */
  cache: boolean;
  /** Steps that execute even when their key is cached ("re-run from here"). */
  force: string[];
  /** A step no worker takes from its queue within this long fails (STEP_QUEUE_TIMEOUT). */
  queueTimeoutMs?: number;
}

export interface RunPipelineInput {
  runId: string;
  plan: Plan;
  options?: RunOptions;
}

export interface ApprovalDecision {
  stepId: string;
  approved: boolean;
  by: string;
  comment?: string;
}

/** What the interpreter hands the bookkeeping activity before it queues a wave of steps. */
export interface PrepareStepInput {
  stepId: string;
  parts: CacheKeyParts;
  inputs: Record<string, string>;
  useCache: boolean;
  reason: string | null;
}

export type PreparedStep =
  { stepId: string; status: "cached"; outputs: StepOutputs } | { stepId: string; status: "queued" };

export interface StepSnapshot {
  status: StepState;
  error?: string;
  outputs?: StepOutputs;
}

/** How a run ended: "rejected" when a decision refused a gated step and nothing failed. */
export type RunOutcome = "succeeded" | "failed" | "rejected" | "cancelled";

export interface RunSummary {
  runId: string;
  status: RunOutcome;
  steps: Record<string, StepSnapshot>;
}
