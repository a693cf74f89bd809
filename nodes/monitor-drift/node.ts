import { z } from "zod";
import { defineNode } from "../types";

export const monitorDrift = defineNode({
  type: "monitor.drift",
  category: "monitor",
  title: "Monitor deployment",
  description:
    "A schedule that checks the endpoint's recent predictions for drift (PSI, KS) and performance; alerts, and can start a retraining run.",
  version: 1,
  internal: false,
  cacheable: false,
  inputs: [{ name: "deployment", kind: "deployment", label: "Deployment", required: true }],
  outputs: [{ name: "report", kind: "metrics", label: "First check", required: true }],
  params: z.object({
    everyMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(60)
      .meta({ label: "Check every (minutes)" }),
    windowMinutes: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 60)
      .default(60)
      .meta({ label: "Window (minutes)", help: "Predictions examined by each check." }),
    minRows: z
      .number()
      .int()
      .min(1)
      .default(100)
      .meta({ label: "Minimum rows", help: "Fewer predictions in the window: no verdict." }),
    psiThreshold: z.number().positive().default(0.2).meta({ label: "PSI threshold" }),
    ksPValue: z.number().gt(0).lt(1).default(0.001).meta({ label: "KS p-value threshold" }),
    predictionPsiThreshold: z
      .number()
      .positive()
      .default(0.2)
      .meta({ label: "Prediction PSI threshold" }),
    webhookUrl: z
      .string()
      .url()
      .optional()
      .meta({ label: "Alert webhook", help: "POSTed a JSON summary when a check raises alerts." }),
    retrainPipelineId: z.string().uuid().optional().meta({
      label: "Retrain pipeline id",
      help: "Started (latest version) when a check raises alerts.",
    }),
  }),
  runtime: { taskQueue: "cpu", timeoutMs: 600_000, retries: 3, heartbeatMs: null, gpu: false },
  docs: "Creates or updates the Temporal Schedule `monitor-<deployment>` and runs a first check. Each check compares the window's logged inputs with the reference the deploy step stored (the raw training rows), per feature: PSI over the reference deciles or categories, and the KS test for numbers. Results and alerts appear on the Monitoring page.",
});
