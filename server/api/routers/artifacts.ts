import { z } from "zod";
import { defaultArtifactStore as artifactStore } from "../../artifacts/default-store";
import { previewDataset } from "../../services/datasets";
import { publicProcedure, router } from "../trpc";

const PREVIEW_BYTES = 16_384;

export const artifactsRouter = router({
  /** The first bytes of a JSON artifact, pretty-printed when it parses. */
  preview: publicProcedure
    .input(z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/) }))
    .query(async ({ input }) => {
      const bytes = await artifactStore().get(input.hash);
      const head = bytes.subarray(0, PREVIEW_BYTES).toString("utf8");
      let text = head;
      if (bytes.length <= PREVIEW_BYTES) {
        try {
          text = JSON.stringify(JSON.parse(head) as unknown, null, 2).slice(0, PREVIEW_BYTES);
        } catch {
          // not JSON: shown as text
        }
      }
      return { text, sizeBytes: bytes.length, truncated: bytes.length > PREVIEW_BYTES };
    }),
  /** First rows, schema and profile of a dataset artifact, for the inspector. */
  dataset: publicProcedure
    .input(
      z.object({
        hash: z.string().regex(/^[0-9a-f]{64}$/),
        limit: z.number().int().min(1).max(1000).default(50),
      }),
    )
    .query(({ ctx, input }) =>
      previewDataset(ctx.getDb(), artifactStore(), input.hash, input.limit),
    ),
});
