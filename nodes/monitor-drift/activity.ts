import { defineActivity } from "../sdk/define";
import { StepInputError } from "../../lib/errors";
import { monitorDrift } from "./node";

/**
 * Idempotent: the schedule is keyed by deployment (a retry updates it), the first check by run and
 * step (one monitor_results row, one retrain run; its webhook at most once).
 */
export const monitorDriftActivity = defineActivity(
  monitorDrift,
  async (ctx, { everyMinutes, ...p }) => {
    const deployment = (await ctx.readJson("deployment")) as { deploymentId?: string };
    if (!deployment.deploymentId)
      throw new StepInputError("Monitor: the deployment input does not name a deployment");
    const { scheduleId, firstCheck: first } = await ctx.services.monitors.start(
      { ...p, deploymentId: deployment.deploymentId },
      everyMinutes,
      `${ctx.runId}:${ctx.stepId}`,
    );
    ctx.log(
      `schedule ${scheduleId}: every ${everyMinutes} min; first check: ${first.rows} rows, ${first.alerts.length} alert(s)`,
    );
    return {
      report: await ctx.writeJson("metrics", { scheduleId, everyMinutes, firstCheck: first }),
    };
  },
);
