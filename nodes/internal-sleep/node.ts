import { z } from "zod";
import { defineNode } from "../types";

export const internalSleep = defineNode({
  type: "internal.sleep",
  category: "internal",
  title: "Sleep",
  description:
    "Waits, heartbeating its progress, then passes its input through. Used to test long steps, worker crashes and cancellation.",
  version: 1,
  internal: true,
  inputs: [{ name: "in", kind: "json", label: "In", required: false }],
  outputs: [{ name: "out", kind: "json", label: "Out", required: true }],
  params: z.object({
    ms: z
      .number()
      .int()
      .min(0)
      .max(3_600_000)
      .default(1000)
      .meta({ label: "Duration (ms)", help: "How long to wait." }),
    failTimes: z
      .number()
      .int()
      .min(0)
      .default(0)
      .meta({ label: "Fail times", help: "Fail this many attempts first (tests retries)." }),
    needsApproval: z
      .boolean()
      .default(false)
      .meta({ label: "Needs approval", help: "Wait for a manager's approval before running." }),
  }),
  runtime: { taskQueue: "cpu", timeoutMs: 3_600_000, retries: 5, heartbeatMs: 3_000, gpu: false },
  requiresApproval: (params) => params.needsApproval,
});
