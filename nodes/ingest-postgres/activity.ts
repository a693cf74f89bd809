import { createWriteStream } from "node:fs";
import path from "node:path";
import { finished } from "node:stream/promises";
import { readFileInto } from "../../lib/data/ingest";
import { datasetStep } from "../sdk/dataset-step";
import { defineActivity } from "../sdk/define";
import { StepInputError } from "../../lib/errors";
import { ingestPostgres } from "./node";

const BATCH = 5000;

/** PostgreSQL type OIDs of int8 and numeric. */
const EXACT_NUMBERS = new Set([20, 1700]);
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const MARK = "\u0000number:";

/** A row as a JSON line, with the named columns' numeric text written as JSON numbers. */
function jsonLine(row: Record<string, unknown>, numeric: Set<string>): string {
  const text = JSON.stringify(row, (key, v: unknown) => {
    if (typeof v === "bigint") return `${MARK}${v.toString()}`;
    if (typeof v === "string" && numeric.has(key) && NUMBER.test(v)) return `${MARK}${v}`;
    return v;
  });
  return text.replace(/"\\u0000number:([^"]*)"/g, "$1");
}

/**
 * Rows stream through a cursor into JSON lines in the step's directory, then DuckDB makes Parquet.
 * Idempotent: the source is only read, in a read-only transaction; the step writes only a
 * content-addressed dataset artifact (a retry after the source changed stores the new rows).
 */
export const ingestPostgresActivity = defineActivity(ingestPostgres, async (ctx, p) => {
  const sql = await ctx.services.connections.open(p.connection);
  const file = path.join(ctx.workDir, "rows.jsonl");
  const out = createWriteStream(file);
  let rows = 0;
  let numeric = new Set<string>();
  try {
    await sql.begin("read only", async (tx) => {
      await tx.unsafe(`SET LOCAL statement_timeout = ${p.timeoutSeconds * 1000}`);
      await tx.unsafe(p.query).cursor(BATCH, (batch) => {
        // postgres.js gives int8 and numeric values as text (they may not fit a double): they are
        // written as JSON numbers, digit for digit, so DuckDB reads numbers, not categories.
        // The driver types a cursor batch as plain rows; it is a RowList, and the first one
        // carries the columns.
        const columns = (batch as unknown as { columns?: { name: string; type: number }[] | null })
          .columns;
        if (columns)
          numeric = new Set(columns.filter((c) => EXACT_NUMBERS.has(c.type)).map((c) => c.name));
        for (const row of batch) out.write(`${jsonLine(row, numeric)}\n`);
        rows += batch.length;
        ctx.progress({ done: rows, total: 0, unit: "rows" });
      });
    });
  } catch (err) {
    const e = err as { message?: string; position?: string };
    throw new StepInputError(
      `PostgreSQL query on "${p.connection}": ${e.message ?? String(err)}${e.position ? ` (at character ${e.position})` : ""}`,
    );
  } finally {
    out.end();
    await finished(out);
    await sql.end({ timeout: 5 });
  }
  if (rows === 0)
    throw new StepInputError(`PostgreSQL query on "${p.connection}" returned no rows`);
  return {
    dataset: await datasetStep(ctx, [], async (c, parquet) => {
      await readFileInto(c, file, "rows.jsonl", { format: "jsonl", parquet });
      return { written: parquet };
    }),
  };
});
