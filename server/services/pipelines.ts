import { and, desc, eq, isNull, max } from "drizzle-orm";
import type { Db } from "../db/client";
import { pipelines, pipelineVersions } from "../db/schema";
import { canonicalJson, sha256 } from "../compiler/canonical";
import { PipelineInvalidError } from "../compiler/compile";
import type { PipelineFile } from "../pipeline/schema";
import { validatePipeline } from "../pipeline/validate";
import { stringify as stringifyYaml } from "yaml";
import { getNodeDefinition } from "../../nodes/index";
import { diffPipelines, type PipelineDiff } from "../pipeline/diff";

export function pipelineContentHash(pipeline: PipelineFile): string {
  return sha256(canonicalJson(pipeline));
}

/**
 * Saves a pipeline document as a new immutable version. Saving content identical to the latest
 * version returns that version instead of adding a copy.
 */
export async function savePipeline(
  db: Db,
  input: { pipelineId?: string; document: unknown; message?: string; userId?: string | null },
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
      if (!row || row.deletedAt) throw new NotFoundError(`Pipeline ${pipelineId} does not exist`);
      await tx
        .update(pipelines)
        .set({ name: doc.name, description: doc.description, updatedAt: new Date() })
        .where(eq(pipelines.id, pipelineId));
    } else {
      const [row] = await tx
        .insert(pipelines)
        .values({ name: doc.name, description: doc.description, createdBy: input.userId ?? null })
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

export async function listPipelines(db: Db) {
  const latest = db
    .select({
      pipelineId: pipelineVersions.pipelineId,
      version: max(pipelineVersions.version).as("version"),
    })
    .from(pipelineVersions)
    .groupBy(pipelineVersions.pipelineId)
    .as("latest");
  return db
    .select({
      id: pipelines.id,
      name: pipelines.name,
      description: pipelines.description,
      updatedAt: pipelines.updatedAt,
      latestVersion: latest.version,
    })
    .from(pipelines)
    .leftJoin(latest, eq(latest.pipelineId, pipelines.id))
    .where(isNull(pipelines.deletedAt))
    .orderBy(desc(pipelines.updatedAt));
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
  return row;
}

export class NotFoundError extends Error {
  override name = "NotFoundError";
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
  const [a, b] = await Promise.all([getPipelineVersion(db, pipelineId, from), getPipelineVersion(db, pipelineId, to)]);
  return diffDocuments(a.graph as PipelineFile, b.graph as PipelineFile);
}

export function exportDocument(pipeline: PipelineFile, format: "json" | "yaml"): string {
  return format === "yaml" ? stringifyYaml(pipeline) : `${JSON.stringify(pipeline, null, 2)}\n`;
}
