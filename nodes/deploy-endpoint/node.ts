import { z } from "zod";
import { defineNode } from "../types";

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lower-case letters, digits and dashes, up to 63");

export const deployEndpoint = defineNode({
  type: "deploy.endpoint",
  category: "deploy",
  title: "Deploy model",
  description:
    "Registers the model and serves it on a named endpoint (replace, canary or shadow). Production needs a manager's approval.",
  version: 1,
  internal: false,
  cacheable: false,
  inputs: [
    { name: "model", kind: "model", label: "Model", required: true },
    { name: "reference", kind: "dataset", label: "Reference (raw train rows)", required: false },
  ],
  outputs: [{ name: "deployment", kind: "deployment", label: "Deployment", required: true }],
  params: z.object({
    endpoint: slug.meta({ label: "Endpoint name", help: "Served at /v2/models/<name>." }),
    model: slug
      .optional()
      .meta({ label: "Registered model name", help: "Default: the endpoint name." }),
    alias: z.enum(["staging", "production"]).default("staging").meta({ label: "Alias" }),
    strategy: z.enum(["replace", "canary", "shadow"]).default("replace").meta({
      label: "Strategy",
      help: "canary: a share of traffic; shadow: mirrored traffic, answers not returned.",
    }),
    canaryPercent: z.number().int().min(1).max(99).default(10).meta({ label: "Canary share (%)" }),
    rateLimitPerMinute: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(600)
      .meta({ label: "Requests per minute per key" }),
  }),
  runtime: { taskQueue: "cpu", timeoutMs: 600_000, retries: 3, heartbeatMs: null, gpu: false },
  requiresApproval: (p) => p.alias === "production",
  docs: "Registers the model artifact as a version of a registered model, moves the alias to it, and creates or updates the endpoint. Connect the raw training rows (the Split node's train output) as the reference: the monitor compares live inputs with it. A new endpoint's API key is created hidden; get one from the Deployments page.",
});
