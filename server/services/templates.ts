import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Db } from "../db/client";
import { parsePipelineText } from "../pipeline/load";
import type { PipelineFile } from "../../common/pipeline/schema";
import { validatePipeline } from "../../common/pipeline/validate";
import { NotFoundError } from "../../lib/errors";
import { savePipeline } from "./pipelines";

/** Templates are the example pipelines shipped in `examples/`, one `<id>.pipeline.json` each. */
export const TEMPLATE_SUFFIX = ".pipeline.json";

/** A template id is a bare file-name stem: no separators, no dots, so never a path. */
const TEMPLATE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

export interface TemplateSummary {
  id: string;
  name: string;
  description: string;
  nodeCount: number;
}

export function templatesDir(): string {
  return path.join(process.cwd(), "examples");
}

export function isTemplateId(id: string): boolean {
  return TEMPLATE_ID.test(id);
}

/**
 * The parsed (not yet validated) document of template `id`. Throws NotFoundError for an id that
 * is not a plain file-name stem or names no file; PipelineFileError for malformed JSON.
 */
export async function readTemplateDocument(id: string): Promise<unknown> {
  if (!isTemplateId(id)) throw new NotFoundError(`There is no template "${id}"`);
  const file = path.join(templatesDir(), `${id}${TEMPLATE_SUFFIX}`);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new NotFoundError(`There is no template "${id}"`);
    throw err;
  }
  return parsePipelineText(text, `examples/${id}${TEMPLATE_SUFFIX}`);
}

/** Every valid template, sorted by file name. Files that fail validation are skipped with a warning. */
export async function listTemplates(): Promise<TemplateSummary[]> {
  const entries = await readdir(templatesDir()).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [] as string[];
    throw err;
  });
  const ids = entries
    .filter((name) => name.endsWith(TEMPLATE_SUFFIX))
    .sort()
    .map((name) => name.slice(0, -TEMPLATE_SUFFIX.length))
    .filter((id) => {
      if (isTemplateId(id)) return true;
      console.warn(
        `[templates] skipping examples/${id}${TEMPLATE_SUFFIX}: not a valid template id`,
      );
      return false;
    });
  const templates = await Promise.all(
    ids.map(async (id): Promise<TemplateSummary | null> => {
      let pipeline: PipelineFile;
      try {
        const result = validatePipeline(await readTemplateDocument(id));
        if (!result.ok) {
          console.warn(
            `[templates] skipping examples/${id}${TEMPLATE_SUFFIX}: ${result.errors.map((e) => e.message).join("; ")}`,
          );
          return null;
        }
        pipeline = result.pipeline;
      } catch (err) {
        console.warn(
          `[templates] skipping examples/${id}${TEMPLATE_SUFFIX}: ${err instanceof Error ? err.message : String(err)}`,
        );
        return null;
      }
      return {
        id,
        name: pipeline.name,
        description: pipeline.description,
        nodeCount: pipeline.nodes.length,
      };
    }),
  );
  return templates.filter((t): t is TemplateSummary => t !== null);
}

/** Saves template `templateId` as a new pipeline (its version 1). */
export async function createFromTemplate(
  db: Db,
  templateId: string,
  owner: { workspaceId: string; userId?: string | null },
) {
  const document = await readTemplateDocument(templateId);
  const saved = await savePipeline(db, {
    ...owner,
    document,
    message: `created from template ${templateId}`,
  });
  return { pipelineId: saved.pipelineId };
}
