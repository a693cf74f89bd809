import type { DuckDBConnection } from "@duckdb/node-api";
import { readFileInto, type CsvOptions, type FileFormat } from "../lib/data/ingest";
import type { StepContext } from "./sdk/context";

/**
 * Reads an ingested file straight into the step's Parquet output with the form's options, and
 * logs what a person should know: the encoding it was read as, and the rows it skipped.
 */
export async function readIngested(
  ctx: StepContext,
  c: DuckDBConnection,
  file: { local: string; name: string; parquet: string },
  p: { format: FileFormat; nullValues: string[] } & CsvOptions,
): Promise<{ written: string }> {
  const report = await readFileInto(c, file.local, file.name, {
    format: p.format,
    nullValues: p.nullValues,
    delimiter: p.delimiter,
    quote: p.quote,
    header: p.header,
    encoding: p.encoding,
    skipMalformed: p.skipMalformed,
    parquet: file.parquet,
  });
  if (report.encoding && report.encoding !== "utf-8") ctx.log(`read as ${report.encoding}`);
  if (report.skipped)
    ctx.log(`${report.skipped} malformed rows skipped, e.g. ${report.examples.join("; ")}`);
  return { written: file.parquet };
}
