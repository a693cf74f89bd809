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
