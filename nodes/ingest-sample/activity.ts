import { copyFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readFileInto } from "../../server/data/ingest";
import { datasetStep } from "../../server/data/step";
import type { NodeActivity } from "../activity-types";
import { ingestSample } from "./node";

const dataDir = fileURLToPath(new URL("../../examples/data/", import.meta.url));

/** Idempotent: writes only a content-addressed dataset artifact; rewriting a hash is a no-op. */
export const ingestSampleActivity: NodeActivity = async (ctx) => {
  const { dataset } = ingestSample.params.parse(ctx.params);
  const name = `${dataset}.csv`;
  const local = path.join(ctx.workDir, name);
  await copyFile(path.join(dataDir, name), local);
  return {
    dataset: await datasetStep(ctx, [], async (c, parquet) => {
      await readFileInto(c, local, name, { parquet });
      return { written: parquet };
    }),
  };
};
