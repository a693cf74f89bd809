import { readIngested } from "../ingest-read";
import { datasetStep } from "../sdk/dataset-step";
import { defineActivity } from "../sdk/define";
import { StepInputError } from "../../lib/errors";
import { ingestUpload } from "./node";

/** Idempotent: reads the uploaded artifact and writes only a content-addressed dataset artifact. */
export const ingestUploadActivity = defineActivity(ingestUpload, async (ctx, p) => {
  // An upload belongs to the workspace that sent it; a hash copied from elsewhere reads nothing.
  if (!(await ctx.services.uploads.inWorkspace(p.upload.hash)))
    throw new StepInputError(
      `Upload ${p.upload.filename} (${p.upload.hash.slice(0, 12)}…) is not in this workspace: upload the file again`,
    );
  const local = await ctx.artifactPath(p.upload.hash, p.upload.filename);
  return {
    dataset: await datasetStep(ctx, [], async (c, parquet) => {
      return readIngested(ctx, c, { local, name: p.upload.filename, parquet }, p);
    }),
  };
});
