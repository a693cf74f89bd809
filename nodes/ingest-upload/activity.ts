import { readFileInto } from "../../server/data/ingest";
import { datasetStep } from "../../server/data/step";
import type { NodeActivity } from "../activity-types";
import { ingestUpload } from "./node";

export const ingestUploadActivity: NodeActivity = async (ctx) => {
  const p = ingestUpload.params.parse(ctx.params);
  const local = await ctx.artifactPath(p.upload.hash, p.upload.filename);
  return {
    dataset: await datasetStep(ctx, [], async (c) => {
      await readFileInto(c, local, p.upload.filename, {
        format: p.format,
        nullValues: p.nullValues,
      });
      return "dataset";
    }),
  };
};
