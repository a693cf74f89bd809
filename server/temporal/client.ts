import { Client, Connection } from "@temporalio/client";
import { env } from "../../lib/env";
import { temporalConnectionOptions } from "./connection";

export const WORKFLOW_TASK_QUEUE = "cpu";
export const STEP_QUEUES = ["cpu", "gpu", "python"] as const;

const globalForTemporal = globalThis as unknown as { temporalClient?: Promise<Client> };

/** One client per process; created lazily so a web process starts even while Temporal is down. */
export function getTemporalClient(): Promise<Client> {
  globalForTemporal.temporalClient ??= Connection.connect({
    ...temporalConnectionOptions(),
    connectTimeout: "5 seconds",
  })
    .then((connection) => new Client({ connection, namespace: env().TEMPORAL_NAMESPACE }))
    .catch((err: unknown) => {
      globalForTemporal.temporalClient = undefined;
      throw err;
    });
  return globalForTemporal.temporalClient;
}

export async function closeTemporalClient(): Promise<void> {
  const pending = globalForTemporal.temporalClient;
  globalForTemporal.temporalClient = undefined;
  if (pending) await (await pending.catch(() => null))?.connection.close();
}
