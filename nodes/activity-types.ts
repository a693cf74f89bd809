import type { ArtifactRef, StepOutputs } from "../workflows/plan";

/** What a node implementation receives from the worker's step runner. */
export interface StepContext {
  runId: string;
  stepId: string;
  attempt: number;
  params: unknown;
  inputs: Record<string, ArtifactRef>;
  signal: AbortSignal;
  readJson(port: string): Promise<unknown>;
  writeJson(kind: string, value: unknown): Promise<ArtifactRef>;
  progress(p: { done: number; total: number; unit?: string }): void;
  log(message: string): void;
}

export type NodeActivity = (ctx: StepContext) => Promise<StepOutputs>;
