import { readFileInto } from "../../server/data/ingest";
import { datasetStep } from "../../server/data/step";
import { artifactInWorkspace } from "../../server/auth/access";
import { getDb } from "../../server/db/client";
import type { NodeActivity } from "../activity-types";
import { StepInputError } from "../errors";
import { ingestUpload } from "./node";

/** Idempotent: reads the uploaded artifact and writes only a content-addressed dataset artifact. */
export const ingestUploadActivity: NodeActivity = async (ctx) => {
  const p = ingestUpload.params.parse(ctx.params);
  // An upload belongs to the workspace that sent it; a hash copied from elsewhere reads nothing.
  if (!(await artifactInWorkspace(getDb(), ctx.workspaceId, p.upload.hash)))
    throw new StepInputError(
      `Upload ${p.upload.filename} (${p.upload.hash.slice(0, 12)}…) is not in this workspace: upload the file again`,
    );
  const local = await ctx.artifactPath(p.upload.hash, p.upload.filename);
  return {
    dataset: await datasetStep(ctx, [], async (c, parquet) => {
      await readFileInto(c, local, p.upload.filename, {
        format: p.format,
        nullValues: p.nullValues,
        parquet,
      });
      return { written: parquet };
    }),
  };
};
