import { getDb } from "../../server/db/client";
import {
  monitorConfig,
  monitorConfigProblem,
  runMonitorCheck,
} from "../../server/monitoring/check";
import { upsertMonitorSchedule } from "../../server/services/schedules";
import { getTemporalClient } from "../../server/temporal/client";
import type { NodeActivity } from "../activity-types";
import { StepInputError } from "../errors";
import { monitorDrift } from "./node";

/**
 * Idempotent: the schedule is keyed by deployment (a retry updates it), the first check by run and
 * step (one monitor_results row, one retrain run; its webhook at most once).
 */
export const monitorDriftActivity: NodeActivity = async (ctx) => {
  const { everyMinutes, ...p } = monitorDrift.params.parse(ctx.params);
  const deployment = (await ctx.readJson("deployment")) as { deploymentId?: string };
  if (!deployment.deploymentId)
    throw new StepInputError("Monitor: the deployment input does not name a deployment");
  const config = monitorConfig.parse({ ...p, deploymentId: deployment.deploymentId });
  const problem = await monitorConfigProblem(getDb(), config, ctx.workspaceId);
  if (problem) throw new StepInputError(`Monitor: ${problem}`);
  const client = await getTemporalClient();
  const scheduleId = await upsertMonitorSchedule(client, config, everyMinutes);
  const first = await runMonitorCheck(getDb(), client, config, `${ctx.runId}:${ctx.stepId}`);
  ctx.log(
    `schedule ${scheduleId}: every ${everyMinutes} min; first check: ${first.rows} rows, ${first.alerts.length} alert(s)`,
  );
  return {
    report: await ctx.writeJson("metrics", { scheduleId, everyMinutes, firstCheck: first }),
  };
};
