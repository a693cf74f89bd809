import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import type { Plan } from "../../workflows/plan";
import { layoutPositions } from "../../common/layout";
import type { PipelineFile } from "../../common/pipeline/schema";
import type { Db } from "../db/client";
import { pipelineVersions, pipelines, runs } from "../db/schema";
import { NotFoundError } from "../../lib/errors";

// One run's graph: its plan's DAG, placed as its pipeline is on the canvas.

export interface RunGraphNode {
  id: string;
  nodeType: string;
  label: string;
  position: { x: number; y: number };
}

export interface RunGraphEdge {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

/**
 * The run's DAG (its plan's steps and inputs, placed as on the canvas when every node has a
 * position, else laid out as the canvas's Layout would), its tags, and the previous run of the
 * same pipeline that `visible` allows, for "what changed".
 */
export async function runGraph(db: Db, visible: SQL, runId: string) {
  const [run] = await db
    .select({
      plan: runs.plan,
      graph: pipelineVersions.graph,
      pipelineId: runs.pipelineId,
      createdAt: runs.createdAt,
      tags: runs.tags,
    })
    .from(runs)
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, runs.pipelineVersionId))
    .where(eq(runs.id, runId));
  if (!run) throw new NotFoundError(`Run ${runId} does not exist`);
  const plan = run.plan as Plan;
  const doc = run.graph as PipelineFile;
  const docNodes = new Map(doc.nodes.map((n) => [n.id, n]));
  const edges: RunGraphEdge[] = plan.steps.flatMap((s) =>
    Object.entries(s.inputs).map(([port, ref]) => ({
      source: ref.step,
      sourcePort: ref.port,
      target: s.id,
      targetPort: port,
    })),
  );
  const placed = plan.steps.every((s) => docNodes.get(s.id)?.position);
  const laidOut = placed
    ? null
    : await layoutPositions(
        plan.steps.map((s) => ({ id: s.id })),
        edges,
      );
  const nodes: RunGraphNode[] = plan.steps.map((s) => {
    const n = docNodes.get(s.id);
    return {
      id: s.id,
      nodeType: s.nodeType,
      label: n?.label ?? s.id,
      position: laidOut?.get(s.id) ?? n?.position ?? { x: 0, y: 0 },
    };
  });

  const [previous] = await db
    .select({ runId: runs.id, version: pipelineVersions.version, createdAt: runs.createdAt })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, runs.pipelineVersionId))
    .where(and(visible, eq(runs.pipelineId, run.pipelineId), lt(runs.createdAt, run.createdAt)))
    .orderBy(desc(runs.createdAt))
    .limit(1);
  return { nodes, edges, tags: run.tags, previous: previous ?? null };
}
