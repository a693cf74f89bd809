import { upgradePipeline } from "../../common/pipeline/convert";
import { and, desc, eq, ilike, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { pipelines, pipelineVersions, runs } from "../db/schema";
import { canonicalJson, sha256 } from "../compiler/canonical";
import { NotFoundError, PipelineInvalidError } from "../../lib/errors";
import type { PipelineFile } from "../../common/pipeline/schema";
import { validatePipeline } from "../../common/pipeline/validate";
import { stringify as stringifyYaml } from "yaml";
import { getNodeDefinition } from "../../nodes/index";
import { diffPipelines, type PipelineDiff } from "../../common/pipeline/diff";

export function pipelineContentHash(pipeline: PipelineFile): string {
  return sha256(canonicalJson(pipeline));
}

/**
 * Saves a pipeline document as a new immutable version. Saving content identical to the latest
 * version returns that version instead of adding a copy.
 */
export async function savePipeline(
  db: Db,
  input: {
    pipelineId?: string;
    document: unknown;
    message?: string;
    userId?: string | null;
    workspaceId: string;
  },
) {
  const result = validatePipeline(input.document);
  if (!result.ok) throw new PipelineInvalidError(result.errors);
  const doc = result.pipeline;
  const contentHash = pipelineContentHash(doc);

  return db.transaction(async (tx) => {
    let pipelineId = input.pipelineId;
    if (pipelineId) {
      const [row] = await tx
        .select()
        .from(pipelines)
        .where(eq(pipelines.id, pipelineId))
        .for("update");
      if (!row || row.deletedAt || row.workspaceId !== input.workspaceId)
        throw new NotFoundError(`Pipeline ${pipelineId} does not exist`);
      await tx
        .update(pipelines)
        .set({ name: doc.name, description: doc.description, updatedAt: new Date() })
        .where(eq(pipelines.id, pipelineId));
    } else {
      const [row] = await tx
        .insert(pipelines)
        .values({
          name: doc.name,
          description: doc.description,
          createdBy: input.userId ?? null,
          workspaceId: input.workspaceId,
        })
        .returning({ id: pipelines.id });
      pipelineId = row!.id;
    }
    const [latest] = await tx
      .select()
      .from(pipelineVersions)
      .where(eq(pipelineVersions.pipelineId, pipelineId))
      .orderBy(desc(pipelineVersions.version))
      .limit(1);
    if (latest?.contentHash === contentHash) return { pipelineId, version: latest, created: false };
    const [version] = await tx
      .insert(pipelineVersions)
      .values({
        pipelineId,
        version: (latest?.version ?? 0) + 1,
        contentHash,
        graph: doc,
        message: input.message ?? "",
        createdBy: input.userId ?? null,
      })
      .returning();
    return { pipelineId, version: version!, created: true };
  });
}

/** `text` as a literal ILIKE pattern piece: `%`, `_` and the escape character match themselves. */
export function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Live pipelines, most recently updated first, each with its latest version's number and node
 * count and its latest run (or null). One query: two lateral subqueries, each served by an index.
 * `search` matches the name or description, case-insensitively, as literal text.
 */
export async function listPipelines(db: Db, options: { search?: string; workspaceId: string }) {
  const latest = db
    .select({
      version: pipelineVersions.version,
      nodeCount: sql<number>`coalesce(jsonb_array_length(${pipelineVersions.graph} -> 'nodes'), 0)`
        .mapWith(Number)
        .as("node_count"),
    })
    .from(pipelineVersions)
    .where(eq(pipelineVersions.pipelineId, pipelines.id))
    .orderBy(desc(pipelineVersions.version))
    .limit(1)
    .as("latest");
  const lastRun = db
    .select({ id: runs.id, status: runs.status, createdAt: runs.createdAt })
    .from(runs)
    .where(eq(runs.pipelineId, pipelines.id))
    .orderBy(desc(runs.createdAt))
    .limit(1)
    .as("last_run");
  const search = options.search?.trim();
  const pattern = search ? `%${escapeLikePattern(search)}%` : undefined;
  const rows = await db
    .select({
      id: pipelines.id,
      name: pipelines.name,
      description: pipelines.description,
      updatedAt: pipelines.updatedAt,
      latestVersion: latest.version,
      nodeCount: latest.nodeCount,
      lastRunId: lastRun.id,
      lastRunStatus: lastRun.status,
      lastRunAt: lastRun.createdAt,
    })
    .from(pipelines)
    .leftJoinLateral(latest, sql`true`)
    .leftJoinLateral(lastRun, sql`true`)
    .where(
      and(
        isNull(pipelines.deletedAt),
        eq(pipelines.workspaceId, options.workspaceId),
        pattern
          ? or(ilike(pipelines.name, pattern), ilike(pipelines.description, pattern))
          : undefined,
      ),
    )
    .orderBy(desc(pipelines.updatedAt), desc(pipelines.createdAt));
  return rows.map(({ lastRunId, lastRunStatus, lastRunAt, nodeCount, ...row }) => ({
    ...row,
    nodeCount: nodeCount ?? 0,
    lastRun:
      lastRunId && lastRunStatus && lastRunAt
        ? { id: lastRunId, status: lastRunStatus, createdAt: lastRunAt }
        : null,
  }));
}

export async function getPipelineVersion(db: Db, pipelineId: string, version?: number) {
  const [row] = await db
    .select()
    .from(pipelineVersions)
    .where(
      version === undefined
        ? eq(pipelineVersions.pipelineId, pipelineId)
        : and(eq(pipelineVersions.pipelineId, pipelineId), eq(pipelineVersions.version, version)),
    )
    .orderBy(desc(pipelineVersions.version))
    .limit(1);
  if (!row) throw new NotFoundError(`Pipeline ${pipelineId} has no version ${version ?? "saved"}`);
  // Versions saved in an older format are read in the current one; the stored bytes stay.
  return { ...row, graph: upgradePipeline(row.graph) };
}

export async function listVersions(db: Db, pipelineId: string) {
  return db
    .select({
      id: pipelineVersions.id,
      version: pipelineVersions.version,
      contentHash: pipelineVersions.contentHash,
      message: pipelineVersions.message,
      createdBy: pipelineVersions.createdBy,
      createdAt: pipelineVersions.createdAt,
    })
    .from(pipelineVersions)
    .where(eq(pipelineVersions.pipelineId, pipelineId))
    .orderBy(desc(pipelineVersions.version));
}

/** Params with every default filled in, so the diff shows what a run would actually change. */
export function withResolvedParams(pipeline: PipelineFile): PipelineFile {
  return {
    ...pipeline,
    nodes: pipeline.nodes.map((node) => {
      const parsed = getNodeDefinition(node.type)?.params.safeParse(node.params);
      return parsed?.success ? { ...node, params: parsed.data as Record<string, unknown> } : node;
    }),
  };
}

export function diffDocuments(a: PipelineFile, b: PipelineFile): PipelineDiff {
  return diffPipelines(withResolvedParams(a), withResolvedParams(b));
}

export async function diffVersions(db: Db, pipelineId: string, from: number, to: number) {
  const [a, b] = await Promise.all([
    getPipelineVersion(db, pipelineId, from),
    getPipelineVersion(db, pipelineId, to),
  ]);
  return diffDocuments(a.graph as PipelineFile, b.graph as PipelineFile);
}

export function exportDocument(pipeline: PipelineFile, format: "json" | "yaml"): string {
  return format === "yaml" ? stringifyYaml(pipeline) : `${JSON.stringify(pipeline, null, 2)}\n`;
}

/** Soft delete: the pipeline disappears from lists; its versions and runs stay for history. */
export async function deletePipeline(db: Db, pipelineId: string) {
  const [row] = await db
    .update(pipelines)
    .set({ deletedAt: new Date() })
    .where(and(eq(pipelines.id, pipelineId), isNull(pipelines.deletedAt)))
    .returning({ id: pipelines.id, deletedAt: pipelines.deletedAt });
  if (!row) throw new NotFoundError(`Pipeline ${pipelineId} does not exist`);
  return { pipelineId: row.id, deletedAt: row.deletedAt! };
}

const NAME_MAX = 200;

/** A new pipeline, "<name> (copy)", whose version 1 is the latest version's graph. */
export async function duplicatePipeline(
  db: Db,
  pipelineId: string,
  options: { userId?: string | null; workspaceId: string },
) {
  const [row] = await db
    .select({
      id: pipelines.id,
      deletedAt: pipelines.deletedAt,
      workspaceId: pipelines.workspaceId,
    })
    .from(pipelines)
    .where(eq(pipelines.id, pipelineId));
  if (!row || row.deletedAt || row.workspaceId !== options.workspaceId)
    throw new NotFoundError(`Pipeline ${pipelineId} does not exist`);
  const latest = await getPipelineVersion(db, pipelineId);
  const graph = latest.graph as PipelineFile;
  const suffix = " (copy)";
  const name = `${graph.name.slice(0, NAME_MAX - suffix.length)}${suffix}`;
  const saved = await savePipeline(db, {
    document: { ...graph, name },
    message: `duplicated from ${graph.name} v${latest.version}`,
    userId: options.userId,
    workspaceId: options.workspaceId,
  });
  return { pipelineId: saved.pipelineId };
}

/** Code nodes that `next` adds or whose params differ from `prev`: editing them is writing code. */
export function changedCodeNodes(prev: PipelineFile | undefined, next: PipelineFile): string[] {
  const before = new Map(prev?.nodes.map((n) => [n.id, n]) ?? []);
  return next.nodes
    .filter((n) => n.type.startsWith("code."))
    .filter((n) => {
      const old = before.get(n.id);
      return !old || old.type !== n.type || JSON.stringify(old.params) !== JSON.stringify(n.params);
    })
    .map((n) => n.id);
}
