import { copyFile, link } from "node:fs/promises";
import path from "node:path";
import { readFileInto } from "../../server/data/ingest";
import { resolveInside } from "../../server/data/paths";
import { datasetStep } from "../../server/data/step";
import { env } from "../../server/env";
import type { NodeActivity } from "../activity-types";
import { ingestFile } from "./node";

/**
 * Idempotent: reads a file under the data directory and writes only a content-addressed dataset
 * artifact; the link or copy lives in this attempt's own work directory.
 */
export const ingestFileActivity: NodeActivity = async (ctx) => {
  const p = ingestFile.params.parse(ctx.params);
  const source = await resolveInside(env().dataFilesDir, p.path, "path");
  // The DuckDB sandbox reads only the step's directory, and follows no symlink out of it: a hard
  // link costs nothing on the same filesystem; elsewhere the file is copied.
  const local = path.join(ctx.workDir, `source${path.extname(source)}`);
  await link(source, local).catch(() => copyFile(source, local));
  return {
    dataset: await datasetStep(ctx, [], async (c, parquet) => {
      await readFileInto(c, local, p.path, {
        format: p.format,
        nullValues: p.nullValues,
        parquet,
      });
      return { written: parquet };
    }),
  };
};
