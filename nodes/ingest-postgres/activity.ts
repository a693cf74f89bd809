import { createWriteStream } from "node:fs";
import path from "node:path";
import { finished } from "node:stream/promises";
import { readFileInto } from "../../lib/data/ingest";
import { datasetStep } from "../sdk/dataset-step";
import { defineActivity } from "../sdk/define";
import { StepInputError } from "../../lib/errors";
import { ingestPostgres } from "./node";

const BATCH = 5000;

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
  try {
    await sql.begin("read only", async (tx) => {
      await tx.unsafe(`SET LOCAL statement_timeout = ${p.timeoutSeconds * 1000}`);
      await tx.unsafe(p.query).cursor(BATCH, (batch) => {
        for (const row of batch)
          out.write(
            `${JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}\n`,
          );
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
