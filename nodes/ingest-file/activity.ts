import { copyFile, link } from "node:fs/promises";
import path from "node:path";
import { readIngested } from "../ingest-read";
import { resolveInside } from "../../lib/data/paths";
import { datasetStep } from "../sdk/dataset-step";
import { env } from "../../lib/env";
import { defineActivity } from "../sdk/define";
import { ingestFile } from "./node";

/**
 * Idempotent: reads a file under the data directory and writes only a content-addressed dataset
 * artifact; the link or copy lives in this attempt's own work directory.
 */
export const ingestFileActivity = defineActivity(ingestFile, async (ctx, p) => {
  const source = await resolveInside(env().dataFilesDir, p.path, "path");
  // The DuckDB sandbox reads only the step's directory, and follows no symlink out of it: a hard
  // link costs nothing on the same filesystem; elsewhere the file is copied.
  const local = path.join(ctx.workDir, `source${path.extname(source)}`);
  await link(source, local).catch(() => copyFile(source, local));
  return {
    dataset: await datasetStep(ctx, [], async (c, parquet) => {
      return readIngested(ctx, c, { local, name: p.path, parquet }, p);
    }),
  };
});
