import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { assertPipeline } from "../../auth/access";
import { audit } from "../../auth/audit";
import { atLeast, type Principal } from "../../../common/roles";
import type { Db } from "../../db/client";
import { parsePipelineText } from "../../pipeline/load";
import type { PipelineFile } from "../../../common/pipeline/schema";
import { validatePipeline } from "../../../common/pipeline/validate";
import {
  changedCodeNodes,
  deletePipeline,
  diffVersions,
  duplicatePipeline,
  exportDocument,
  getPipelineVersion,
  listPipelines,
  listVersions,
  savePipeline,
} from "../../services/pipelines";
import { createFromTemplate, listTemplates } from "../../services/templates";
import {
  keyMetricPattern,
  metricNames,
  metricSplits,
  pipelineKeyMetric,
  setPipelineKeyMetric,
} from "../../services/key-metric";
import { analystProcedure, router } from "../trpc";

const pipelineId = z.string().uuid();
const versionNumber = z.number().int().positive();

/** Analysts build pipelines; adding or editing a code node needs the data scientist role. */
async function saveAs(
  db: Db,
  p: Principal,
  input: { pipelineId?: string; document: unknown; message?: string },
) {
  if (input.pipelineId) await assertPipeline(db, p, input.pipelineId);
  const parsed = validatePipeline(input.document);
  if (parsed.ok && !atLeast(p.role, "data_scientist")) {
    const prev = input.pipelineId
      ? ((await getPipelineVersion(db, input.pipelineId)).graph as PipelineFile)
      : undefined;
    const edited = changedCodeNodes(prev, parsed.pipeline);
    if (edited.length)
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `Editing code nodes (${edited.join(", ")}) needs the Data scientist role`,
      });
  }
  const saved = await savePipeline(db, { ...input, userId: p.userId, workspaceId: p.workspaceId });
  if (saved.created)
    await audit(db, p, {
      action: "pipeline.save",
      targetType: "pipeline",
      targetId: saved.pipelineId,
      detail: { version: saved.version.version, message: input.message ?? "" },
    });
  return saved;
}

export const pipelinesRouter = router({
  list: analystProcedure
    .input(z.object({ search: z.string().max(200).optional() }).optional())
    .query(({ ctx, input }) =>
      listPipelines(ctx.getDb(), { search: input?.search, workspaceId: ctx.principal.workspaceId }),
    ),
  get: analystProcedure
    .input(z.object({ pipelineId, version: versionNumber.optional() }))
    .query(async ({ ctx, input }) => {
      await assertPipeline(ctx.getDb(), ctx.principal, input.pipelineId);
      return getPipelineVersion(ctx.getDb(), input.pipelineId, input.version);
    }),
  versions: analystProcedure.input(z.object({ pipelineId })).query(async ({ ctx, input }) => {
    await assertPipeline(ctx.getDb(), ctx.principal, input.pipelineId);
    return listVersions(ctx.getDb(), input.pipelineId);
  }),
  validate: analystProcedure.input(z.object({ document: z.unknown() })).query(({ input }) => {
    const result = validatePipeline(input.document);
    return result.ok ? { ok: true as const, errors: [] } : result;
  }),
  save: analystProcedure
    .input(
      z.object({
        pipelineId: pipelineId.optional(),
        document: z.unknown(),
        message: z.string().max(500).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const saved = await saveAs(ctx.getDb(), ctx.principal, input);
      return {
        pipelineId: saved.pipelineId,
        versionId: saved.version.id,
        version: saved.version.version,
        contentHash: saved.version.contentHash,
        created: saved.created,
      };
    }),
  /** A pipeline file's text (JSON or YAML), saved as a new pipeline or a new version of one. */
  import: analystProcedure
    .input(
      z.object({
        pipelineId: pipelineId.optional(),
        text: z.string().max(20_000_000),
        filename: z.string().max(300).default("upload"),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const saved = await saveAs(ctx.getDb(), ctx.principal, {
        pipelineId: input.pipelineId,
        document: parsePipelineText(input.text, input.filename),
        message: `imported from ${input.filename}`,
      });
      return {
        pipelineId: saved.pipelineId,
        version: saved.version.version,
        created: saved.created,
      };
    }),
  export: analystProcedure
    .input(
      z.object({
        pipelineId,
        version: versionNumber.optional(),
        format: z.enum(["json", "yaml"]).default("json"),
      }),
    )
    .query(async ({ ctx, input }) => {
      await assertPipeline(ctx.getDb(), ctx.principal, input.pipelineId);
      const v = await getPipelineVersion(ctx.getDb(), input.pipelineId, input.version);
      const doc = v.graph as PipelineFile;
      const slug =
        doc.name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-")
          .replace(/^-|-$/g, "") || "pipeline";
      return {
        filename: `${slug}.v${v.version}.${input.format}`,
        content: exportDocument(doc, input.format),
      };
    }),
  diff: analystProcedure
    .input(z.object({ pipelineId, from: versionNumber, to: versionNumber }))
    .query(async ({ ctx, input }) => {
      await assertPipeline(ctx.getDb(), ctx.principal, input.pipelineId);
      return diffVersions(ctx.getDb(), input.pipelineId, input.from, input.to);
    }),
  /** The pipeline's key metric ("test.accuracy"), or null for the default; shown on its runs. */
  keyMetric: analystProcedure.input(z.object({ pipelineId })).query(async ({ ctx, input }) => {
    await assertPipeline(ctx.getDb(), ctx.principal, input.pipelineId);
    return {
      keyMetric: await pipelineKeyMetric(ctx.getDb(), input.pipelineId),
      splits: metricSplits,
      names: metricNames,
    };
  }),
  setKeyMetric: analystProcedure
    .input(
      z.object({
        pipelineId,
        keyMetric: z
          .string()
          .regex(keyMetricPattern, "a split and a metric, e.g. test.accuracy or validation.rmse")
          .nullable(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await assertPipeline(ctx.getDb(), ctx.principal, input.pipelineId);
      await setPipelineKeyMetric(ctx.getDb(), input.pipelineId, input.keyMetric);
      await audit(ctx.getDb(), ctx.principal, {
        action: "pipeline.key_metric",
        targetType: "pipeline",
        targetId: input.pipelineId,
        detail: { keyMetric: input.keyMetric },
      });
      return { keyMetric: input.keyMetric };
    }),
  /** Soft delete: hidden from the list; versions and runs are kept. */
  delete: analystProcedure.input(z.object({ pipelineId })).mutation(async ({ ctx, input }) => {
    await assertPipeline(ctx.getDb(), ctx.principal, input.pipelineId);
    const deleted = await deletePipeline(ctx.getDb(), input.pipelineId);
    await audit(ctx.getDb(), ctx.principal, {
      action: "pipeline.delete",
      targetType: "pipeline",
      targetId: input.pipelineId,
    });
    return deleted;
  }),
  /** A new pipeline, "<name> (copy)", from the latest version. */
  duplicate: analystProcedure.input(z.object({ pipelineId })).mutation(async ({ ctx, input }) => {
    const p = ctx.principal;
    await assertPipeline(ctx.getDb(), p, input.pipelineId);
    const copy = await duplicatePipeline(ctx.getDb(), input.pipelineId, {
      userId: p.userId,
      workspaceId: p.workspaceId,
    });
    await audit(ctx.getDb(), p, {
      action: "pipeline.duplicate",
      targetType: "pipeline",
      targetId: copy.pipelineId,
      detail: { from: input.pipelineId },
    });
    return copy;
  }),
  /** The example pipelines in examples/, offered as starting points. */
  templates: analystProcedure.query(() => listTemplates()),
  createFromTemplate: analystProcedure
    .input(z.object({ templateId: z.string().min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      const p = ctx.principal;
      const created = await createFromTemplate(ctx.getDb(), input.templateId, {
        workspaceId: p.workspaceId,
        userId: p.userId,
      });
      await audit(ctx.getDb(), p, {
        action: "pipeline.create",
        targetType: "pipeline",
        targetId: created.pipelineId,
        detail: { template: input.templateId },
      });
      return created;
    }),
});
