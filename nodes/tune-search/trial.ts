import { z } from "zod";
import { nodeDefinitions } from "../index";
import { loadSplits, trainAndExport } from "../../server/ml/step";
import type { Algorithm, AlgorithmParams } from "../../server/ml/train";
import type { StepContext } from "../activity-types";

export const trialInput = z.object({
  trial: z.number().int().min(0),
  round: z.number().int().min(0),
  algorithm: z.enum(["gbdt", "mlp", "logistic", "linear"]),
  /** The trainer node's params, already validated by the tune step. */
  params: z.record(z.string(), z.unknown()),
  metric: z.string().optional(),
});
export type TrialInput = z.infer<typeof trialInput>;

export interface TrialResult {
  trial: number;
  round: number;
  params: Record<string, unknown>;
  score: { name: string; value: number; higherIsBetter: boolean };
  model: { hash: string; kind: string; sizeBytes: number };
}

const tasks = { linear: "regression", logistic: "classification" } as const;

/**
 * One trial of a tune step: train, score on validation, store the model, track it. Idempotent: a
 * content-addressed model artifact and an experiment row upserted by run, step and trial.
 */
export async function tuneTrialActivity(ctx: StepContext): Promise<TrialResult> {
  const t = trialInput.parse(ctx.params);
  const def = nodeDefinitions[`train.${t.algorithm}`];
  const { label, exclude, task, ...algo } = def.params.parse(t.params) as Record<
    string,
    unknown
  > & {
    label: string;
    exclude: string[];
    task?: "auto" | "classification" | "regression";
  };
  const data = await loadSplits(
    ctx,
    { label, exclude, task: task ?? tasks[t.algorithm as keyof typeof tasks] ?? "auto" },
    `Trial ${t.trial}`,
  );
  const { model, score } = await trainAndExport(
    ctx,
    data,
    t.algorithm,
    algo as unknown as AlgorithmParams[Algorithm],
    {
      trial: t.trial,
      round: t.round,
      metric: t.metric,
      unit: t.algorithm === "gbdt" ? "trees" : "epochs",
    },
  );
  return {
    trial: t.trial,
    round: t.round,
    params: t.params,
    score,
    model,
  };
}
