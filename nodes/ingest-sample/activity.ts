import { copyFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readFileInto } from "../../lib/data/ingest";
import { datasetStep } from "../sdk/dataset-step";
import { defineActivity } from "../sdk/define";
import { ingestSample } from "./node";

const dataDir = fileURLToPath(new URL("../../examples/data/", import.meta.url));

/** Idempotent: writes only a content-addressed dataset artifact; rewriting a hash is a no-op. */
export const ingestSampleActivity = defineActivity(ingestSample, async (ctx, { dataset }) => {
  const name = `${dataset}.csv`;
  const local = path.join(ctx.workDir, name);
  await copyFile(path.join(dataDir, name), local);
  return {
    dataset: await datasetStep(ctx, [], async (c, parquet) => {
      await readFileInto(c, local, name, { parquet });
      return { written: parquet };
    }),
  };
});
