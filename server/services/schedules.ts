import {
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleOptionsStartWorkflowAction,
} from "@temporalio/client";
import type { Workflow } from "@temporalio/common";
import type { ActivityCall } from "../../workflows/run-activity";
import type { MonitorConfig } from "../monitoring/check";
import { WORKFLOW_TASK_QUEUE } from "../temporal/client";
import { NotFoundError, ScheduleInputError } from "../../lib/errors";

/**
 * Temporal Schedules are the source of truth for everything periodic: pipeline schedules (cron)
 * and deployment monitors (interval). Each starts the generic `runActivity` workflow with a
 * service activity (`pipeline.start`, `monitor.check`), so a scheduled pipeline run is recorded
 * like any other and a monitor check is idempotent by its workflow id.
 */
function action(
  activity: string,
  input: unknown,
  workflowId: string,
): ScheduleOptionsStartWorkflowAction<Workflow> {
  const call: ActivityCall = {
    activity,
    input,
    taskQueue: WORKFLOW_TASK_QUEUE,
    startToCloseTimeoutMs: 300_000,
    heartbeatTimeoutMs: 60_000,
    maximumAttempts: 5,
  };
  return {
    type: "startWorkflow",
    workflowType: "runActivity",
    args: [call],
    taskQueue: WORKFLOW_TASK_QUEUE,
    workflowId,
  };
}

const CRON_FIELDS = /^(\S+\s+){4}\S+$/;

export interface PipelineSchedule {
  scheduleId: string;
  pipelineId: string;
  cron: string;
  paused: boolean;
  note: string;
  nextRuns: string[];
  recentRuns: string[];
}

function summarize(scheduleId: string, d: ScheduleDescription): PipelineSchedule {
  const memo = (d.memo ?? {}) as { pipelineId?: string; cron?: string };
  return {
    scheduleId,
    pipelineId: memo.pipelineId ?? "",
    cron: memo.cron ?? "",
    paused: d.state.paused,
    note: d.state.note ?? "",
    nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.slice(-5).map((a) => a.takenAt.toISOString()),
  };
}

export async function createPipelineSchedule(
  client: Client,
  input: { pipelineId: string; cron: string; timezone?: string },
): Promise<PipelineSchedule> {
  if (!CRON_FIELDS.test(input.cron.trim()))
    throw new ScheduleInputError(
      `cron "${input.cron}": expected five fields, e.g. "0 6 * * *" (06:00 daily)`,
    );
  const scheduleId = `pipeline-${input.pipelineId}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    const handle = await client.schedule.create({
      scheduleId,
      spec: { cronExpressions: [input.cron.trim()], timezone: input.timezone },
      action: action("pipeline.start", { pipelineId: input.pipelineId }, scheduleId),
      memo: { pipelineId: input.pipelineId, cron: input.cron.trim() },
    });
    return summarize(scheduleId, await handle.describe());
  } catch (err) {
    if (err instanceof Error && /invalid|cron/i.test(err.message))
      throw new ScheduleInputError(`cron "${input.cron}": ${err.message}`);
    throw err;
  }
}

/** The schedules of the given pipelines (a workspace's). */
export async function listPipelineSchedules(
  client: Client,
  pipelineIds: ReadonlySet<string>,
): Promise<PipelineSchedule[]> {
  const out: PipelineSchedule[] = [];
  for await (const s of client.schedule.list()) {
    const m = /^pipeline-([0-9a-f-]{36})-/.exec(s.scheduleId);
    if (!m || !pipelineIds.has(m[1]!)) continue;
    out.push(summarize(s.scheduleId, await client.schedule.getHandle(s.scheduleId).describe()));
  }
  return out.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

async function handleOf(client: Client, scheduleId: string) {
  const handle = client.schedule.getHandle(scheduleId);
  try {
    await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError)
      throw new NotFoundError(`There is no schedule ${scheduleId}`);
    throw err;
  }
  return handle;
}

export async function pauseSchedule(client: Client, scheduleId: string, paused: boolean) {
  const handle = await handleOf(client, scheduleId);
  if (paused) await handle.pause("paused from Flowforge");
  else await handle.unpause("resumed from Flowforge");
  return summarize(scheduleId, await handle.describe());
}

export async function deleteSchedule(client: Client, scheduleId: string) {
  await (await handleOf(client, scheduleId)).delete();
  return { deleted: scheduleId };
}

/** The monitor of a deployment: one schedule per deployment, created or updated in place. */
export async function upsertMonitorSchedule(
  client: Client,
  config: MonitorConfig,
  everyMinutes: number,
): Promise<string> {
  const scheduleId = `monitor-${config.deploymentId}`;
  const options = {
    spec: { intervals: [{ every: everyMinutes * 60_000 }] },
    action: action("monitor.check", config, scheduleId),
  };
  try {
    await client.schedule.create({
      scheduleId,
      ...options,
      memo: { deploymentId: config.deploymentId },
    });
  } catch (err) {
    if (!(err instanceof Error) || err.name !== "ScheduleAlreadyRunning") throw err;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, ...options }));
  }
  return scheduleId;
}
