import { IngestError } from "../errors";
import { open, stat } from "node:fs/promises";
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

/** How a CSV or TSV file is laid out; every field is optional. */
export interface CsvOptions {
  /** "auto": DuckDB's sniffer guesses it. Default: "," (CSV) or a tab (TSV). */
  delimiter?: "auto" | "," | ";" | "\t" | "|";
  quote?: string;
  header?: boolean;
  /** "auto": UTF-16 when the file starts with its byte-order mark, else UTF-8, else Latin-1. */
  encoding?: "auto" | "utf-8" | "latin-1" | "utf-16";
  /** Leave out rows that do not parse (counted, the first few shown) instead of failing. */
  skipMalformed?: boolean;
}

/** What reading a file found out, for the step's log. */
export interface ReadReport {
  encoding?: string;
  /** Rows left out by skipMalformed, and the first few of them as "line N: reason". */
  skipped: number;
  examples: string[];
}

/**
 * DuckDB's message in the words of the file and the form: the server's path becomes the file's
 * name; its dialect dump, option syntax and "possible solution" lines go; known failures say which
 * field of the form fixes them.
 */
function explain(err: unknown, localPath: string, displayName: string): string {
  const message = (err instanceof Error ? err.message : String(err))
    .split(localPath)
    .join(displayName);
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  const at = line ? `line ${line}: ` : "";
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (columns)
    return `${at}${columns[2]} fields where the header has ${columns[1]}; fix the row, or turn on "Skip malformed rows"`;
  if (/Invalid unicode|not utf-8 encoded/i.test(message))
    return `${at}the text is not UTF-8; choose the file's encoding (Latin-1 or UTF-16) under Encoding`;
  if (/sniffing|detect the CSV Parsing dialect/i.test(message))
    return `the columns could not be told apart; check Delimiter, Quote and Header`;
  return message
    .split("\n")
    .filter(
      (l) =>
        l.trim() &&
        !/^\s*(LINE \d+:|\^)/.test(l) &&
        !/^\s+\w+ = /.test(l) &&
        !/Possible (Solution|fixes)|^\s*\*/.test(l) &&
        !l.includes("/"),
    )
    .slice(0, 3)
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
}

/** UTF-16 when the file starts with a UTF-16 byte-order mark. */
async function sniffEncoding(localPath: string): Promise<"utf-16" | undefined> {
  const handle = await open(localPath, "r");
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    if (bytesRead < 2) return undefined;
    const bom = buffer.readUInt16BE(0);
    return bom === 0xfffe || bom === 0xfeff ? "utf-16" : undefined;
  } finally {
    await handle.close();
  }
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
  options: {
    format?: FileFormat;
    nullValues?: string[];
    parquet?: string;
    /** Only a view (the sniffer reads a sample): for the columns and types, not the rows. */
    view?: boolean;
  } & CsvOptions = {},
  name = "dataset",
): Promise<ReadReport> {
  const info = await stat(localPath);
  if (info.size === 0) throw new IngestError(`${displayName}: the file is empty`);
  const format = detectFormat(displayName, options.format);
  const p = quoteLiteral(localPath);
  const nulls = `[${(options.nullValues ?? ["", "NA"]).map(quoteLiteral).join(", ")}]`;
  const text = format === "csv" || format === "tsv";
  const requested = options.encoding ?? "auto";
  let encoding =
    requested === "auto" ? (text && (await sniffEncoding(localPath))) || "utf-8" : requested;
  const csv = (enc: string) => {
    const delimiter = options.delimiter ?? (format === "tsv" ? "\t" : ",");
    const parts = [
      `header = ${options.header ?? true}`,
      // Never let the sniffer skip leading lines: with one long row at the end it would skip to
      // it and read nothing at all.
      "skip = 0",
      delimiter === "auto" ? "" : `delim = ${quoteLiteral(delimiter)}`,
      `quote = ${quoteLiteral(options.quote ?? '"')}`,
      `escape = ${quoteLiteral(options.quote ?? '"')}`,
      `nullstr = ${nulls}`,
      `encoding = ${quoteLiteral(enc)}`,
      "strict_mode = true",
      "sample_size = 20480",
      options.skipMalformed ? "ignore_errors = true, store_rejects = true" : "",
    ];
    return `read_csv(${p}, ${parts.filter(Boolean).join(", ")})`;
  };
  const readerFor = (enc: string) =>
    format === "parquet"
      ? `read_parquet(${p})`
      : format === "jsonl"
        ? `read_json(${p}, format = 'newline_delimited')`
        : csv(enc);
  const load = async (reader: string) => {
    if (options.parquet) {
      await c.run(
        `COPY (SELECT * FROM ${reader}) TO ${quoteLiteral(options.parquet)} (FORMAT parquet, COMPRESSION snappy)`,
      );
      await loadDataset(c, options.parquet, name);
    } else {
      const what = options.view ? "VIEW" : "TABLE";
      await c.run(`CREATE OR REPLACE ${what} ${quoteIdent(name)} AS SELECT * FROM ${reader}`);
    }
  };
  try {
    try {
      await load(readerFor(encoding));
    } catch (err) {
      // Not UTF-8, and the encoding was left to us: most such files are Latin-1 (Windows-1252).
      const notUtf8 = /Invalid unicode|not utf-8 encoded/i.test(String(err));
      if (!(text && requested === "auto" && encoding === "utf-8" && notUtf8)) throw err;
      encoding = "latin-1";
      await load(readerFor(encoding));
    }
  } catch (err) {
    const where =
      text && !options.skipMalformed ? await firstRejectedLine(c, readerFor(encoding)) : null;
    throw new IngestError(
      `${displayName}: cannot read it as ${format.toUpperCase()}: ${where ?? explain(err, localPath, displayName)}`,
    );
  }
  const columns = (
    await c.runAndReadAll(`SELECT count(*) AS n FROM (DESCRIBE ${quoteIdent(name)})`)
  ).getRowObjects()[0]?.n;
  if (!columns) throw new IngestError(`${displayName}: no columns found`);
  const report: ReadReport = { encoding: text ? encoding : undefined, skipped: 0, examples: [] };
  if (text && options.skipMalformed && !options.view) {
    const rejected = (
      await c.runAndReadAll("SELECT line, error_message FROM reject_errors ORDER BY line")
    ).getRowObjects();
    report.skipped = new Set(rejected.map((r) => String(r.line))).size;
    report.examples = rejected
      .slice(0, 3)
      .map(
        (r) =>
          `line ${String(r.line)}: ${explain(new Error(String(r.error_message)), localPath, displayName)}`,
      );
  }
  return report;
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
    const column = first.column_name === null ? "" : `, column "${String(first.column_name)}"`;
    return `line ${String(first.line)}${column}: ${explain(new Error(String(first.error_message)), "", "")}`;
  } catch {
    return null;
  }
}
