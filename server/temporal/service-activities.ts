import { Context } from "@temporalio/activity";
import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { pipelineVersions } from "../db/schema";
import { monitorConfig, runMonitorCheck } from "../monitoring/check";
import { startRun } from "../services/runs";
import { getTemporalClient } from "./client";

/**
 * Activities that schedules start through the `runActivity` workflow. Each is idempotent by its
 * workflow id: a retried scheduled start finds the run it started, a retried check its result.
 */
export function createServiceActivities(db: Db) {
  const workflowId = () =>
    Context.current().info.workflowExecution?.workflowId ?? Context.current().info.activityId;
  return {
    /** Idempotent: the run id derives from the scheduled workflow's id; a retry finds that run. */
    "pipeline.start": async (input: { pipelineId: string }) => {
      const [latest] = await db
        .select()
        .from(pipelineVersions)
        .where(eq(pipelineVersions.pipelineId, input.pipelineId))
        .orderBy(desc(pipelineVersions.version))
        .limit(1);
      if (!latest) throw new Error(`pipeline ${input.pipelineId} has no saved version`);
      return startRun(db, await getTemporalClient(), {
        pipelineVersionId: latest.id,
        trigger: "schedule",
        idempotencyKey: `schedule:${workflowId()}`,
      });
    },
    /** Idempotent: one monitor_results row per workflow id (unique check_key); see runMonitorCheck. */
    "monitor.check": async (input: unknown) => {
      const result = await runMonitorCheck(
        db,
        await getTemporalClient(),
        monitorConfig.parse(input),
        workflowId(),
      );
      return {
        resultId: result.id,
        alerts: result.alerts.length,
        retrainRunId: result.retrainRunId,
      };
    },
  };
}
