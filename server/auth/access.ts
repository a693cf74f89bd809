import { and, eq, isNull, or, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import {
  connections,
  deployments,
  models,
  pipelines,
  runs,
  workspaceArtifacts,
} from "../db/schema";
import { NotFoundError } from "../../lib/errors";
import { seesAllRuns, type Principal } from "../../common/roles";

/*
 * Every id a caller names is checked against their workspace before anything reads or changes it.
 * Something in another workspace reads as "does not exist": ids are not a way to learn what other
 * teams have.
 */

/** Runs a person may see: all of the workspace's for managers, else theirs and their pipelines'. */
export function visibleRuns(p: Principal): SQL {
  const inWorkspace = eq(pipelines.workspaceId, p.workspaceId);
  if (seesAllRuns(p)) return inWorkspace;
  return and(
    inWorkspace,
    or(eq(runs.triggeredBy, p.userId), eq(pipelines.createdBy, p.userId)),
  ) as SQL;
}

export async function assertPipeline(db: Db, p: Principal, pipelineId: string) {
  const [row] = await db
    .select({ id: pipelines.id })
    .from(pipelines)
    .where(
      and(
        eq(pipelines.id, pipelineId),
        eq(pipelines.workspaceId, p.workspaceId),
        isNull(pipelines.deletedAt),
      ),
    );
  if (!row) throw new NotFoundError(`Pipeline ${pipelineId} does not exist`);
}

export async function assertRun(db: Db, p: Principal, runId: string) {
  const [row] = await db
    .select({ id: runs.id })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .where(and(eq(runs.id, runId), visibleRuns(p)));
  if (!row) throw new NotFoundError(`Run ${runId} does not exist`);
}

export async function assertDeployment(db: Db, p: Principal, deploymentId: string) {
  const [row] = await db
    .select({ id: deployments.id })
    .from(deployments)
    .where(and(eq(deployments.id, deploymentId), eq(deployments.workspaceId, p.workspaceId)));
  if (!row) throw new NotFoundError(`Deployment ${deploymentId} does not exist`);
}

export async function assertModel(db: Db, p: Principal, modelId: string) {
  const [row] = await db
    .select({ id: models.id })
    .from(models)
    .where(and(eq(models.id, modelId), eq(models.workspaceId, p.workspaceId)));
  if (!row) throw new NotFoundError(`Model ${modelId} does not exist`);
}

export async function assertConnection(db: Db, p: Principal, connectionId: string) {
  const [row] = await db
    .select({ id: connections.id })
    .from(connections)
    .where(and(eq(connections.id, connectionId), eq(connections.workspaceId, p.workspaceId)));
  if (!row) throw new NotFoundError(`Connection ${connectionId} does not exist`);
}

export async function artifactInWorkspace(db: Db, workspaceId: string, hash: string) {
  const [row] = await db
    .select({ hash: workspaceArtifacts.hash })
    .from(workspaceArtifacts)
    .where(and(eq(workspaceArtifacts.hash, hash), eq(workspaceArtifacts.workspaceId, workspaceId)));
  return Boolean(row);
}

export async function assertArtifact(db: Db, p: Principal, hash: string) {
  if (!(await artifactInWorkspace(db, p.workspaceId, hash)))
    throw new NotFoundError(`Artifact ${hash} does not exist`);
}

/** Schedule ids name what they start: `pipeline-<id>-…` or `monitor-<deploymentId>`. */
export async function assertSchedule(db: Db, p: Principal, scheduleId: string) {
  const m = /^(pipeline|monitor)-([0-9a-f-]{36})/.exec(scheduleId);
  if (!m) throw new NotFoundError(`Schedule ${scheduleId} does not exist`);
  if (m[1] === "pipeline") await assertPipeline(db, p, m[2]!);
  else await assertDeployment(db, p, m[2]!);
}

/** Lets a workspace read artifacts (its runs' outputs, its uploads). Idempotent. */
export async function grantArtifacts(db: Db, workspaceId: string, hashes: Iterable<string>) {
  const values = [...new Set(hashes)].map((hash) => ({ workspaceId, hash }));
  if (values.length) await db.insert(workspaceArtifacts).values(values).onConflictDoNothing();
}
