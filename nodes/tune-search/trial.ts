import { z } from "zod";
import { StepInputError } from "../../lib/errors";
import type { TargetParams } from "../../lib/ml/model-metadata";
import type { StepContext } from "../sdk/context";
import { loadSplits, trainAndExport } from "../sdk/train-step";
import { trainerDefinition } from "./activity";

export const trialInput = z.object({
  trial: z.number().int().min(0),
  round: z.number().int().min(0),
  algorithm: z.string().min(1),
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

/**
 * One trial of a tune step: train, score on validation, store the model, track it. Idempotent: a
 * content-addressed model artifact and an experiment row upserted by run, step and trial.
 */
export async function tuneTrialActivity(ctx: StepContext): Promise<TrialResult> {
  const t = trialInput.parse(ctx.params);
  const def = trainerDefinition(t.algorithm);
  const trainer = ctx.services.trainer(t.algorithm);
  if (!def?.trainer || !trainer) throw new StepInputError(`Tune: no trainer "${t.algorithm}"`);
  const { label, exclude, task, ...params } = def.params.parse(t.params) as Record<
    string,
    unknown
  > &
    Partial<TargetParams> & { label: string; exclude: string[] };
  const data = await loadSplits(
    ctx,
    { label, exclude, task: def.trainer.task ?? task ?? "auto" },
    `Trial ${t.trial}`,
  );
  const { model, score } = await trainAndExport(ctx, data, trainer, params, {
    trial: t.trial,
    round: t.round,
    metric: t.metric,
  });
  return { trial: t.trial, round: t.round, params: t.params, score, model };
}
