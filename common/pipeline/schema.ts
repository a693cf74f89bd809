import { z } from "zod";

/**
 * The portable pipeline file: what the editor saves, the CLI runs and git stores. Version 2 draws
 * a Split's train, validation and test as one `splits` edge; version 1 files still load, converted
 * (common/pipeline/convert.ts), and `flowforge convert` rewrites them.
 */
export const PIPELINE_API_VERSIONS = ["flowforge.dev/v1", "flowforge.dev/v2"] as const;
export const PIPELINE_API_VERSION = "flowforge.dev/v2";

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
    group: id.optional().meta({
      description:
        "The group the node sits in on the canvas (an id from `groups`); no effect on the plan.",
    }),
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
    sourcePort: z.string().min(1).meta({
      description:
        "Output port of the source node. `splits` carries train, validation and test together; name one of them to connect only that split.",
    }),
    target: id.meta({ description: "Id of the node that receives the data." }),
    targetPort: z.string().min(1).meta({ description: "Input port of the target node." }),
  })
  .strict();

const position = z.object({ x: z.number(), y: z.number() });
const size = z.object({
  width: z.number().min(40).max(20_000),
  height: z.number().min(40).max(20_000),
});
const color = z.enum(["yellow", "blue", "green", "pink", "gray"]);

export const pipelineNoteSchema = z
  .object({
    id,
    text: z.string().max(20_000).default("").meta({ description: "Markdown." }),
    position,
    size: size.optional(),
    color: color.optional(),
  })
  .strict()
  .meta({ description: "A sticky note on the canvas; no effect on the plan." });

export const pipelineGroupSchema = z
  .object({
    id,
    title: z.string().max(200).default(""),
    position,
    size,
    color: color.optional(),
  })
  .strict()
  .meta({
    description:
      "A titled frame on the canvas; nodes name it in `group` and move with it. No effect on the plan.",
  });

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
    notes: z.array(pipelineNoteSchema).max(1000).optional(),
    groups: z.array(pipelineGroupSchema).max(1000).optional(),
  })
  .strict()
  .meta({
    title: "Flowforge pipeline",
    description: "A pipeline graph: nodes, and edges from output ports to input ports.",
  });

export type PipelineFile = z.infer<typeof pipelineFileSchema>;
export type PipelineNode = z.infer<typeof pipelineNodeSchema>;
export type PipelineEdge = z.infer<typeof pipelineEdgeSchema>;
export type PipelineNote = z.infer<typeof pipelineNoteSchema>;
export type PipelineGroup = z.infer<typeof pipelineGroupSchema>;
