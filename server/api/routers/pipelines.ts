import { z } from "zod";
import { parsePipelineText } from "../../pipeline/load";
import type { PipelineFile } from "../../pipeline/schema";
import { validatePipeline } from "../../pipeline/validate";
import {
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
import { publicProcedure, router } from "../trpc";

const pipelineId = z.string().uuid();
const versionNumber = z.number().int().positive();

export const pipelinesRouter = router({
  list: publicProcedure
    .input(z.object({ search: z.string().max(200).optional() }).optional())
    .query(({ ctx, input }) => listPipelines(ctx.getDb(), { search: input?.search })),
  get: publicProcedure
    .input(z.object({ pipelineId, version: versionNumber.optional() }))
    .query(({ ctx, input }) => getPipelineVersion(ctx.getDb(), input.pipelineId, input.version)),
  versions: publicProcedure
    .input(z.object({ pipelineId }))
    .query(({ ctx, input }) => listVersions(ctx.getDb(), input.pipelineId)),
  validate: publicProcedure.input(z.object({ document: z.unknown() })).query(({ input }) => {
    const result = validatePipeline(input.document);
    return result.ok ? { ok: true as const, errors: [] } : result;
  }),
  save: publicProcedure
    .input(
      z.object({
        pipelineId: pipelineId.optional(),
        document: z.unknown(),
        message: z.string().max(500).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const saved = await savePipeline(ctx.getDb(), input);
      return {
        pipelineId: saved.pipelineId,
        versionId: saved.version.id,
        version: saved.version.version,
        contentHash: saved.version.contentHash,
        created: saved.created,
      };
    }),
  /** A pipeline file's text (JSON or YAML), saved as a new pipeline or a new version of one. */
  import: publicProcedure
    .input(
      z.object({
        pipelineId: pipelineId.optional(),
        text: z.string().max(20_000_000),
        filename: z.string().max(300).default("upload"),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const saved = await savePipeline(ctx.getDb(), {
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
  export: publicProcedure
    .input(
      z.object({
        pipelineId,
        version: versionNumber.optional(),
        format: z.enum(["json", "yaml"]).default("json"),
      }),
    )
    .query(async ({ ctx, input }) => {
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
  diff: publicProcedure
    .input(z.object({ pipelineId, from: versionNumber, to: versionNumber }))
    .query(({ ctx, input }) => diffVersions(ctx.getDb(), input.pipelineId, input.from, input.to)),
  /** Soft delete: hidden from the list; versions and runs are kept. */
  delete: publicProcedure
    .input(z.object({ pipelineId }))
    .mutation(({ ctx, input }) => deletePipeline(ctx.getDb(), input.pipelineId)),
  /** A new pipeline, "<name> (copy)", from the latest version. */
  duplicate: publicProcedure
    .input(z.object({ pipelineId }))
    .mutation(({ ctx, input }) => duplicatePipeline(ctx.getDb(), input.pipelineId)),
  /** The example pipelines in examples/, offered as starting points. */
  templates: publicProcedure.query(() => listTemplates()),
  createFromTemplate: publicProcedure
    .input(z.object({ templateId: z.string().min(1).max(200) }))
    .mutation(({ ctx, input }) => createFromTemplate(ctx.getDb(), input.templateId)),
});
