import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { artifacts } from "../../db/schema";
import { defaultArtifactStore as artifactStore } from "../../artifacts/default-store";
import { datasetRows, previewDataset, rowFilterOps } from "../../services/datasets";
import { assertArtifact } from "../../auth/access";
import { analystProcedure, router } from "../trpc";

const PREVIEW_BYTES = 16_384;
const JSON_MAX_BYTES = 8 * 1024 * 1024;

export const artifactsRouter = router({
  /** The first bytes of a JSON artifact, pretty-printed when it parses. */
  preview: analystProcedure
    .input(z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/) }))
    .query(async ({ ctx, input }) => {
      await assertArtifact(ctx.getDb(), ctx.principal, input.hash);
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
  /** An artifact's kind, size and recorded metadata (a model's signature and metrics). */
  metadata: analystProcedure
    .input(z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/) }))
    .query(async ({ ctx, input }) => {
      await assertArtifact(ctx.getDb(), ctx.principal, input.hash);
      const [row] = await ctx
        .getDb()
        .select({
          kind: artifacts.kind,
          sizeBytes: artifacts.sizeBytes,
          metadata: artifacts.metadata,
        })
        .from(artifacts)
        .where(eq(artifacts.hash, input.hash));
      if (!row) throw new TRPCError({ code: "NOT_FOUND", message: `no artifact ${input.hash}` });
      return row;
    }),
  /** A whole JSON artifact (metrics, fitted state), parsed: what the charts read. */
  json: analystProcedure
    .input(z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/) }))
    .query(async ({ ctx, input }) => {
      await assertArtifact(ctx.getDb(), ctx.principal, input.hash);
      const bytes = await artifactStore().get(input.hash);
      if (bytes.length > JSON_MAX_BYTES)
        throw new TRPCError({
          code: "PAYLOAD_TOO_LARGE",
          message: `artifact ${input.hash} is ${bytes.length} bytes; JSON is served up to ${JSON_MAX_BYTES}`,
        });
      try {
        return JSON.parse(bytes.toString("utf8")) as unknown;
      } catch {
        throw new TRPCError({ code: "BAD_REQUEST", message: `artifact ${input.hash} is not JSON` });
      }
    }),
  /** First rows, schema and profile of a dataset artifact, for the inspector. */
  dataset: analystProcedure
    .input(
      z.object({
        hash: z.string().regex(/^[0-9a-f]{64}$/),
        limit: z.number().int().min(1).max(1000).default(50),
      }),
    )
    .query(async ({ ctx, input }) => {
      await assertArtifact(ctx.getDb(), ctx.principal, input.hash);
      return previewDataset(ctx.getDb(), artifactStore(), input.hash, input.limit);
    }),
  /** A page of a dataset's rows, sorted and filtered (the data viewer). */
  rows: analystProcedure
    .input(
      z.object({
        hash: z.string().regex(/^[0-9a-f]{64}$/),
        offset: z.number().int().min(0).max(1_000_000_000).default(0),
        limit: z.number().int().min(1).max(500).default(100),
        sort: z.object({ column: z.string().max(1000), desc: z.boolean() }).optional(),
        filter: z
          .object({
            column: z.string().max(1000),
            op: z.enum(rowFilterOps),
            value: z.string().max(1000).optional(),
          })
          .optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      await assertArtifact(ctx.getDb(), ctx.principal, input.hash);
      const { hash, ...q } = input;
      return datasetRows(ctx.getDb(), artifactStore(), hash, q);
    }),
});
