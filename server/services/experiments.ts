import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { experiments } from "../db/schema";

/** Every tracked training step, trial and evaluation of a run, in step and trial order. */
export async function listExperiments(db: Db, runId: string) {
  return db
    .select()
    .from(experiments)
    .where(eq(experiments.runId, runId))
    .orderBy(asc(experiments.stepId), asc(experiments.trial));
}
