import { parseDocument } from "yaml";

export class PipelineFileError extends Error {
  override name = "PipelineFileError";
}

export function parsePipelineText(text: string, source: string): unknown {
  if (text.trim() === "") throw new PipelineFileError(`${source}: the file is empty`);
  // YAML 1.2 is a superset of JSON, so one parser gives both formats line-and-column errors.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const at = first.linePos?.[0]
      ? ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})`
      : "";
    throw new PipelineFileError(
      `${source}: not valid JSON or YAML${at}: ${first.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
    );
  }
  let value: unknown;
  try {
    // Aliases resolve here: an unknown anchor, or too many aliases (a "billion laughs"), throws.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new PipelineFileError(
      `${source}: not valid YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new PipelineFileError(`${source}: expected a pipeline object at the top level`);
  }
  return value;
}
