import { expandEdges } from "./bundles";
import { getNodeDefinition } from "../../nodes/index";
import type { PipelineFile } from "./schema";
import type { ValidationError } from "./validate";

/** What makes a SELECT change rows rather than map each row to one; a guess, DuckDB decides at run time. */
const NOT_ROW_WISE: [RegExp, string][] = [
  [/\bgroup\s+by\b/i, "a GROUP BY clause"],
  [/\bover\s*\(/i, "a window function"],
  [/\bjoin\b/i, "a JOIN"],
  [/\b(union|intersect|except)\b/i, "a set operation"],
  [/\bdistinct\b/i, "DISTINCT"],
  [/\bwhere\b/i, "a WHERE clause"],
  [/\b(limit|qualify|having)\b/i, "a clause that drops rows"],
  [/\b(count|sum|avg|median|string_agg|list|array_agg)\s*\(/i, "an aggregate"],
  [/\bunnest\s*\(/i, "unnest() (it adds rows)"],
];

const withoutText = (sql: string) =>
  sql
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""')
    .replace(/--[^\n]*/g, "")
    .replace(/\/\*[\s\S]*?\*\//g, "");

/** Why a SQL node's query cannot run on each request, or null when it looks row-wise. */
export function sqlNotRowWise(sql: string): string | null {
  const text = withoutText(sql);
  return NOT_ROW_WISE.find(([re]) => re.test(text))?.[1] ?? null;
}

/**
 * For each trainer, the step before its split that an endpoint cannot run on each request (code,
 * a SQL query that groups or filters, anything not row-wise): the model trained after it takes
 * that step's output columns, not the file's. Notes, not errors: the pipeline runs as it is.
 */
export function servingNotes(pipeline: PipelineFile): ValidationError[] {
  const byId = new Map(pipeline.nodes.map((n) => [n.id, n]));
  const edges = expandEdges(pipeline.nodes, pipeline.edges).edges;
  const feeding = (nodeId: string, port: string) =>
    edges.find((e) => e.target === nodeId && e.targetPort === port)?.source;
  const notes = new Map<string, ValidationError>();
  for (const trainer of pipeline.nodes) {
    const def = getNodeDefinition(trainer.type);
    if (!def?.trainer && trainer.type !== "tune.search") continue;
    let at = feeding(trainer.id, "train");
    // Back through the fitted steps to the split, then through the steps before it.
    for (let hops = 0; at && hops < 200; hops++) {
      const node = byId.get(at);
      if (!node) break;
      const nodeDef = getNodeDefinition(node.type);
      if (nodeDef?.category === "ingest") break;
      const serving = nodeDef?.serving ?? "none";
      const sql = node.type === "prep.sql" ? (node.params as { sql?: unknown }).sql : undefined;
      const why =
        typeof sql === "string"
          ? sqlNotRowWise(sql)
          : serving === "none" && node.type !== "prep.split"
            ? `${nodeDef?.title ?? node.type} is not a row-wise step`
            : null;
      if (why) {
        notes.set(node.id, {
          nodeId: node.id,
          code: "not_served",
          message: `Node "${node.id}" — runs before the model but not on each request (${why}): an endpoint of a model trained after it takes the columns it outputs, not the file's`,
        });
        break;
      }
      at = feeding(node.id, serving === "fitted" ? "train" : "input");
    }
  }
  return [...notes.values()];
}
