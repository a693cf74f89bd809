import { eq, inArray, and } from "drizzle-orm";
import type { Db } from "../db/client";
import { pipelineVersions, pipelines, runSteps, runs, users, workspaces } from "../db/schema";
import { appUrl } from "../../lib/env";
import { postWebhook } from "../monitoring/webhook";

/** What a workspace's approval webhook receives (documented in docs/governance.md). */
export interface ApprovalPendingPayload {
  event: "approval.pending";
  /** The same for a repeated delivery of one notice: receivers may de-duplicate on it. */
  id: string;
  at: string;
  workspace: { id: string; name: string };
  pipeline: { id: string; name: string; version: number };
  run: { id: string; url: string; startedBy: string | null; trigger: string };
  steps: { stepId: string; nodeType: string }[];
}

export async function approvalPendingPayload(
  db: Db,
  runId: string,
  stepIds: string[],
): Promise<{ webhook: string | null; payload: ApprovalPendingPayload } | null> {
  const [row] = await db
    .select({
      webhook: workspaces.approvalWebhook,
      workspaceId: workspaces.id,
      workspaceName: workspaces.name,
      pipelineId: pipelines.id,
      pipelineName: pipelines.name,
      version: pipelineVersions.version,
      startedBy: users.email,
      trigger: runs.trigger,
    })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(workspaces, eq(workspaces.id, pipelines.workspaceId))
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, runs.pipelineVersionId))
    .leftJoin(users, eq(users.id, runs.triggeredBy))
    .where(eq(runs.id, runId));
  if (!row) return null;
  const steps = await db
    .select({ stepId: runSteps.stepId, nodeType: runSteps.nodeType })
    .from(runSteps)
    .where(and(eq(runSteps.runId, runId), inArray(runSteps.stepId, stepIds)));
  steps.sort((a, b) => a.stepId.localeCompare(b.stepId));
  return {
    webhook: row.webhook,
    payload: {
      event: "approval.pending",
      id: `${runId}:${steps.map((s) => s.stepId).join(",")}`,
      at: new Date().toISOString(),
      workspace: { id: row.workspaceId, name: row.workspaceName },
      pipeline: { id: row.pipelineId, name: row.pipelineName, version: row.version },
      run: {
        id: runId,
        url: `${appUrl()}/runs/${runId}`,
        startedBy: row.startedBy,
        trigger: row.trigger,
      },
      steps,
    },
  };
}

/**
 * Tells the workspace's webhook that steps of a run wait for a decision. Best effort: a receiver
 * that is down or refuses never holds up or fails the run; the reason is logged.
 */
export async function announcePendingApproval(
  db: Db,
  runId: string,
  stepIds: string[],
  log: (line: string) => void = (l) => console.warn(l),
): Promise<number | null> {
  if (stepIds.length === 0) return null;
  const notice = await approvalPendingPayload(db, runId, stepIds);
  if (!notice?.webhook) return null;
  try {
    const status = await postWebhook(notice.webhook, notice.payload);
    if (status >= 300) log(`approval webhook answered ${status} for run ${runId}`);
    return status;
  } catch (err) {
    log(
      `approval webhook not delivered for run ${runId}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return null;
  }
}
