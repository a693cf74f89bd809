import type { PrepOnnxOps } from "../../lib/ml/onnx/preprocess";
import type { StepServices } from "../../nodes/sdk/context";
import type { Trainer } from "../../nodes/sdk/trainer";
import { artifactInWorkspace } from "../auth/access";
import type { Db } from "../db/client";
import { ConflictError, StepInputError } from "../../lib/errors";
import { monitorConfig, monitorConfigProblem, runMonitorCheck } from "../monitoring/check";
import { openConnection } from "../services/connections";
import { deploy, registerVersion, setAlias } from "../services/registry";
import { upsertMonitorSchedule } from "../services/schedules";
import { getTemporalClient } from "./client";

/** A failure no retry can fix, in the words of the step that asked. */
const asInput = (what: string) => (err: unknown) => {
  throw new StepInputError(`${what}${err instanceof Error ? err.message : String(err)}`);
};

/**
 * The services a step may call, bound to its run's workspace and acting as the run: the only
 * way node code reaches the database or Temporal.
 */
export function stepServices(
  db: Db,
  run: { runId: string; workspaceId: string },
  registry: { trainers: Record<string, Trainer>; prepOnnx: PrepOnnxOps },
): StepServices {
  const { workspaceId } = run;
  const actor = `run ${run.runId}`;
  return {
    uploads: { inWorkspace: (hash) => artifactInWorkspace(db, workspaceId, hash) },
    connections: {
      open: (name) => openConnection(db, workspaceId, name).catch(asInput("")),
    },
    registry: {
      registerVersion: (input) =>
        registerVersion(db, {
          ...input,
          workspaceId,
          metrics: input.metrics as Record<string, unknown>,
          reference: input.reference,
          actor,
        }),
      setAlias: async (input) => {
        await setAlias(db, { ...input, actor });
      },
      deploy: (input) =>
        // An endpoint name taken elsewhere or a refused change does not resolve by retrying.
        deploy(db, { ...input, workspaceId, actor }).catch((err: unknown) => {
          if (err instanceof ConflictError) throw new StepInputError(`Deploy: ${err.message}`);
          throw err;
        }),
    },
    monitors: {
      async start(params, everyMinutes, key) {
        const parsed = monitorConfig.safeParse(params);
        if (!parsed.success)
          throw new StepInputError(
            `Monitor: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
          );
        const config = parsed.data;
        const problem = await monitorConfigProblem(db, config, workspaceId);
        if (problem) throw new StepInputError(`Monitor: ${problem}`);
        const client = await getTemporalClient();
        const scheduleId = await upsertMonitorSchedule(client, config, everyMinutes);
        const firstCheck = await runMonitorCheck(db, client, config, key);
        return { scheduleId, firstCheck };
      },
    },
    trainer: (algorithm) => registry.trainers[algorithm],
    prepOnnx: registry.prepOnnx,
  };
}
