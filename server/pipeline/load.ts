import { readFile } from "node:fs/promises";
import { parsePipelineText, PipelineFileError } from "../../common/pipeline/parse";

export { parsePipelineText };

/** Reads a pipeline file, JSON or YAML, with parse errors that give the file, line and column. */
export async function readPipelineFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PipelineFileError(
      code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read (${code ?? String(err)})`,
    );
  }
  return parsePipelineText(text, file);
}
