import { z } from "zod";

/** The portable pipeline file: what the editor saves, the CLI runs and git stores. */
export const PIPELINE_API_VERSION = "flowforge.dev/v1";

/** Documented size limits (docs/pipeline-format.md); the validator reports `graph_too_large`. */
export const LIMITS = { nodes: 2000, edges: 10_000, paramsBytes: 1_000_000 } as const;

const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "ids use letters, digits, '-' and '_' only");

export const pipelineNodeSchema = z
  .object({
    id: id.meta({
      description: "Unique within the pipeline; steps, edges and run history refer to it.",
    }),
    type: z
      .string()
      .min(1)
      .meta({ description: "A node type from the catalog, e.g. `internal.numbers`." }),
    params: z.record(z.string(), z.unknown()).default({}).meta({
      description:
        "Parameters, checked against the node type's own schema; defaults are filled in.",
    }),
    position: z
      .object({ x: z.number(), y: z.number() })
      .optional()
      .meta({ description: "Canvas position; no effect on the plan." }),
    label: z.string().max(200).optional().meta({ description: "Display name on the canvas." }),
    cache: z.boolean().optional().meta({
      description: "Set to false to always execute this node, never reusing a cached output.",
    }),
    runtime: z
      .object({
        retries: z
          .number()
          .int()
          .min(0)
          .max(20)
          .optional()
          .meta({ description: "Retries after a failed attempt." }),
        timeoutMs: z
          .number()
          .int()
          .min(1000)
          .max(7 * 24 * 3_600_000)
          .optional()
          .meta({ description: "Time limit of one attempt, in milliseconds." }),
        gpu: z.boolean().optional().meta({
          description: "Run on a worker polling the gpu queue (nodes that can use a GPU only).",
        }),
      })
      .strict()
      .optional()
      .meta({ description: "Overrides of the node type's runtime defaults." }),
  })
  .strict();

export const pipelineEdgeSchema = z
  .object({
    source: id.meta({ description: "Id of the node whose output feeds the edge." }),
    sourcePort: z.string().min(1).meta({ description: "Output port of the source node." }),
    target: id.meta({ description: "Id of the node that receives the data." }),
    targetPort: z.string().min(1).meta({ description: "Input port of the target node." }),
  })
  .strict();

export const pipelineFileSchema = z
  .object({
    apiVersion: z
      .literal(PIPELINE_API_VERSION)
      .meta({ description: "Version of this file format." }),
    kind: z.literal("Pipeline"),
    name: z.string().min(1).max(200),
    description: z.string().max(10_000).default(""),
    nodes: z.array(pipelineNodeSchema),
    edges: z.array(pipelineEdgeSchema).default([]),
  })
  .strict()
  .meta({
    title: "Flowforge pipeline",
    description: "A pipeline graph: nodes, and edges from output ports to input ports.",
  });

export type PipelineFile = z.infer<typeof pipelineFileSchema>;
export type PipelineNode = z.infer<typeof pipelineNodeSchema>;
export type PipelineEdge = z.infer<typeof pipelineEdgeSchema>;
