import { z } from "zod";

/** The portable pipeline file: what the editor saves, the CLI runs and git stores. */
export const PIPELINE_API_VERSION = "flowforge.dev/v1";

const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "ids use letters, digits, '-' and '_' only");

export const pipelineNodeSchema = z.object({
  id,
  type: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  position: z.object({ x: z.number(), y: z.number() }).optional(),
  label: z.string().max(200).optional(),
  /** Overrides of the node type's runtime defaults. */
  runtime: z
    .object({
      retries: z.number().int().min(0).max(20).optional(),
      timeoutMs: z
        .number()
        .int()
        .min(1000)
        .max(7 * 24 * 3_600_000)
        .optional(),
    })
    .strict()
    .optional(),
});

export const pipelineEdgeSchema = z.object({
  source: id,
  sourcePort: z.string().min(1),
  target: id,
  targetPort: z.string().min(1),
});

export const pipelineFileSchema = z.object({
  apiVersion: z.literal(PIPELINE_API_VERSION),
  kind: z.literal("Pipeline"),
  name: z.string().min(1).max(200),
  description: z.string().max(10_000).default(""),
  nodes: z.array(pipelineNodeSchema).max(5000),
  edges: z.array(pipelineEdgeSchema).max(20_000).default([]),
});

export type PipelineFile = z.infer<typeof pipelineFileSchema>;
export type PipelineNode = z.infer<typeof pipelineNodeSchema>;
export type PipelineEdge = z.infer<typeof pipelineEdgeSchema>;
