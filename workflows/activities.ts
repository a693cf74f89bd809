import type {
  ApprovalDecision,
  PreparedStep,
  PrepareStepInput,
  RunOutcome,
  StepStatus,
} from "./plan";

/**
 * The bookkeeping activities the run workflow calls (local activities on the workflow's worker),
 * declared here so that workflow code depends on no server module; server/temporal/bookkeeping.ts
 * implements them.
 */
export interface BookkeepingActivities {
  markRunStarted(input: { runId: string }): Promise<void>;
  prepareSteps(input: { runId: string; steps: PrepareStepInput[] }): Promise<PreparedStep[]>;
  markSteps(input: { runId: string; stepIds: string[]; status: StepStatus }): Promise<void>;
  recordApproval(input: { runId: string } & ApprovalDecision): Promise<void>;
  markStepFinished(input: {
    runId: string;
    stepId: string;
    status: StepStatus;
    error: string | null;
  }): Promise<void>;
  explainQueueTimeout(input: { queue: string; waitedMs: number }): Promise<string>;
  markRunFinished(input: {
    runId: string;
    status: RunOutcome;
    error: string | null;
  }): Promise<void>;
}
