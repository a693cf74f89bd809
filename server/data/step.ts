import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { StepContext } from "../../nodes/activity-types";
import type { ArtifactRef } from "../../workflows/plan";
import { loadDataset, writeDataset } from "./dataset";
import { openSandbox } from "./sandbox";

/**
 * The frame of every dataset step: a DuckDB sandboxed to the step's work directory, each input
 * port's dataset loaded as a view of the same name, and the relation `body` returns written to
 * Parquet and stored as a `dataset` artifact with its schema and profile.
 */
export async function datasetStep(
  ctx: StepContext,
  inputs: string[],
  body: (c: DuckDBConnection) => Promise<string>,
): Promise<ArtifactRef> {
  const box = await openSandbox(ctx.workDir);
  try {
    for (const port of inputs) await loadDataset(box.connection, await ctx.inputPath(port), port);
    const relation = await body(box.connection);
    const out = path.join(ctx.workDir, "output.parquet");
    const metadata = await writeDataset(box.connection, relation, out);
    ctx.log(`${metadata.rows} rows, ${metadata.schema.length} columns`);
    return await ctx.writeFile("dataset", out, { ...metadata });
  } finally {
    box.close();
  }
}
