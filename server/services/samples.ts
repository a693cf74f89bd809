import { readFile } from "node:fs/promises";
import path from "node:path";
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { pipelines } from "../db/schema";
import { savePipeline } from "./pipelines";

export const SAMPLE_FILE = "hello.pipeline.json";

/** Loads the sample pipeline from examples/ and saves it (a new version only if it changed). */
export async function ensureSamplePipeline(db: Db) {
  const file = path.join(process.cwd(), "examples", SAMPLE_FILE);
  const document = JSON.parse(await readFile(file, "utf8")) as { name: string };
  const [existing] = await db
    .select({ id: pipelines.id })
    .from(pipelines)
    .where(and(eq(pipelines.name, document.name), isNull(pipelines.deletedAt)))
    .limit(1);
  return savePipeline(db, { pipelineId: existing?.id, document, message: "sample" });
}
