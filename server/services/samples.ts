import { and, asc, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { pipelines } from "../db/schema";
import { savePipeline } from "./pipelines";
import { readTemplateDocument, TEMPLATE_SUFFIX } from "./templates";

/** The sample is the `hello` template. */
export const SAMPLE_TEMPLATE = "hello";
export const SAMPLE_FILE = `${SAMPLE_TEMPLATE}${TEMPLATE_SUFFIX}`;

/** Loads the sample pipeline from examples/ and saves it (a new version only if it changed). */
export async function ensureSamplePipeline(
  db: Db,
  owner: { workspaceId: string; userId?: string | null },
) {
  const document = (await readTemplateDocument(SAMPLE_TEMPLATE)) as { name: string };
  // Templates can create more pipelines of the same name; the sample is the oldest one.
  const [existing] = await db
    .select({ id: pipelines.id })
    .from(pipelines)
    .where(
      and(
        eq(pipelines.name, document.name),
        eq(pipelines.workspaceId, owner.workspaceId),
        isNull(pipelines.deletedAt),
      ),
    )
    .orderBy(asc(pipelines.createdAt))
    .limit(1);
  return savePipeline(db, { pipelineId: existing?.id, document, message: "sample", ...owner });
}
