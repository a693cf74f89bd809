import { IngestError } from "../errors";
import { stat } from "node:fs/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import { loadDataset } from "./dataset";
import { quoteIdent, quoteLiteral } from "./sandbox";

export const fileFormats = ["auto", "csv", "tsv", "parquet", "jsonl"] as const;
export type FileFormat = (typeof fileFormats)[number];

export function detectFormat(
  file: string,
  format: FileFormat = "auto",
): Exclude<FileFormat, "auto"> {
  if (format !== "auto") return format;
  const lower = file.toLowerCase();
  if (lower.endsWith(".parquet")) return "parquet";
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  if (lower.endsWith(".tsv") || lower.endsWith(".tab")) return "tsv";
  return "csv";
}

/** DuckDB's message, first lines only, without its SQL echo. */
function clean(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message
    .split("\n")
    .filter((l) => l.trim() && !/^\s*(LINE \d+:|\^)/.test(l))
    .slice(0, 6)
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Reads a local file into table `name`, or with `parquet`, straight into that Parquet file with
 * `name` a view of it (no copy of the rows in DuckDB on the way). Errors name the file and, where
 * DuckDB knows it, the line and column: a ragged row, a quote left open, a truncated footer.
 */
export async function readFileInto(
  c: DuckDBConnection,
  localPath: string,
  displayName: string,
  options: { format?: FileFormat; nullValues?: string[]; parquet?: string } = {},
  name = "dataset",
): Promise<void> {
  const info = await stat(localPath);
  if (info.size === 0) throw new IngestError(`${displayName}: the file is empty`);
  const format = detectFormat(displayName, options.format);
  const p = quoteLiteral(localPath);
  const nulls = `[${(options.nullValues ?? ["", "NA"]).map(quoteLiteral).join(", ")}]`;
  const reader =
    format === "parquet"
      ? `read_parquet(${p})`
      : format === "jsonl"
        ? `read_json(${p}, format = 'newline_delimited')`
        : `read_csv(${p}, header = true, delim = ${format === "tsv" ? "'\\t'" : "','"}, quote = '"', escape = '"', nullstr = ${nulls}, strict_mode = true, sample_size = 20480)`;
  try {
    if (options.parquet) {
      await c.run(
        `COPY (SELECT * FROM ${reader}) TO ${quoteLiteral(options.parquet)} (FORMAT parquet, COMPRESSION snappy)`,
      );
      await loadDataset(c, options.parquet, name);
    } else {
      await c.run(`CREATE OR REPLACE TABLE ${quoteIdent(name)} AS SELECT * FROM ${reader}`);
    }
  } catch (err) {
    const where = format === "csv" || format === "tsv" ? await firstRejectedLine(c, reader) : null;
    throw new IngestError(
      `${displayName}: cannot read it as ${format.toUpperCase()}${where ? ` (${where})` : ""}: ${clean(err)}`,
    );
  }
  const columns = (
    await c.runAndReadAll(`SELECT count(*) AS n FROM (DESCRIBE ${quoteIdent(name)})`)
  ).getRowObjects()[0]?.n;
  if (!columns) throw new IngestError(`${displayName}: no columns found`);
}

/**
 * DuckDB's sniffer reports a ragged file as "could not detect the dialect", without a line. A
 * second, lenient pass that records rejected rows finds the first bad line and column.
 */
async function firstRejectedLine(c: DuckDBConnection, reader: string): Promise<string | null> {
  try {
    const lenient = reader.replace(
      "strict_mode = true",
      "strict_mode = true, store_rejects = true, ignore_errors = true",
    );
    await c.run(`CREATE OR REPLACE TEMP TABLE __probe AS SELECT * FROM ${lenient}`);
    const [first] = (
      await c.runAndReadAll(
        "SELECT line, column_name, error_message FROM reject_errors ORDER BY line LIMIT 1",
      )
    ).getRowObjects();
    await c.run("DROP TABLE IF EXISTS __probe");
    if (!first) return null;
    return `line ${String(first.line)}, column ${String(first.column_name)}: ${String(first.error_message)}`;
  } catch {
    return null;
  }
}
