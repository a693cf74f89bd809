import type { z } from "zod";

export const nodeCategories = [
  "ingest",
  "prep",
  "train",
  "tune",
  "evaluate",
  "deploy",
  "monitor",
  "code",
  "internal",
] as const;
export type NodeCategory = (typeof nodeCategories)[number];

export const portKinds = ["dataset", "model", "metrics", "deployment", "json"] as const;
export type PortKind = (typeof portKinds)[number];

export interface PortDefinition {
  name: string;
  kind: PortKind;
  label: string;
  required: boolean;
}

export interface RuntimeDefaults {
  taskQueue: "cpu" | "gpu" | "python";
  timeoutMs: number;
  retries: number;
  heartbeatMs: number | null;
  gpu: boolean;
}

/** What a node looks like for given params: its ports, and for code nodes the params its code declares. */
export interface NodeShape {
  inputs: PortDefinition[];
  outputs: PortDefinition[];
  /** The schema of `params.params` when the code declares its params; null: free-form JSON. */
  params: z.ZodObject | null;
  declared: { name: string; line: number }[];
  /** Problems in the declarations, on the param that holds them. */
  errors: { param: string; message: string }[];
}

export interface NodeDefinition<P extends z.ZodType = z.ZodType> {
  type: string;
  category: NodeCategory;
  title: string;
  description: string;
  version: number;
  /** Internal nodes run in tests and samples but are never offered in the palette. */
  internal: boolean;
  inputs: PortDefinition[];
  outputs: PortDefinition[];
  params: P;
  runtime: RuntimeDefaults;
  /** The node can use a GPU: a pipeline may set `runtime.gpu` to send it to the gpu queue. */
  gpuCapable?: boolean;
  /** False for nodes whose effect matters more than their output (deploy, notify): never cached. */
  cacheable?: boolean;
  /** When it returns true for the resolved params, the step waits for a manager's approval. */
  requiresApproval?: (params: z.infer<P>) => boolean;
  /** Ports that depend on the params (code nodes declare theirs in their code). */
  shape?: (params: Record<string, unknown>) => NodeShape;
  /** The node has a code form (nodes/<type>/ejected.ts or .py) it can be ejected into. */
  eject?: { language: "typescript" | "python" };
  /** Markdown shown in the palette and the inspector. */
  docs?: string;
}

export function defineNode<P extends z.ZodType>(def: NodeDefinition<P>): NodeDefinition<P> {
  return def;
}
