import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { monitorResults } from "../db/schema";

/** A deployment's monitor checks, newest first: drift per feature, alerts, retraining runs. */
export async function listMonitorResults(db: Db, deploymentId: string, limit: number) {
  return db
    .select()
    .from(monitorResults)
    .where(eq(monitorResults.deploymentId, deploymentId))
    .orderBy(desc(monitorResults.createdAt))
    .limit(limit);
}
