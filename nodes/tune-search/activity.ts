import { nodeDefinitions } from "../index";
import { gridConfigs, halvingRounds, randomConfigs } from "../../lib/ml/search";
import type { SearchSpace } from "./space";
import { defineActivity } from "../sdk/define";
import type { NodeDefinition } from "../types";
import { StepInputError } from "../../lib/errors";
import type { TrialInput, TrialResult } from "./trial";

const tuneDefinition = nodeDefinitions["tune.search"];

/** The train node definition of a tunable algorithm. */
export function trainerDefinition(algorithm: string): NodeDefinition | undefined {
  return Object.values(nodeDefinitions as Record<string, NodeDefinition>).find(
    (d) => d.trainer?.algorithm === algorithm && d.trainer.tunable,
  );
}

async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

const better = (a: TrialResult, b: TrialResult) =>
  a.score.higherIsBetter ? a.score.value > b.score.value : a.score.value < b.score.value;

/**
 * Idempotent: each trial is a workflow with the id run:step:trial-N, so a retried tune step attaches
 * to its running trials or reads their results; experiment rows are upserted by run, step and trial,
 * and artifacts are content-addressed.
 */
export const tuneSearchActivity = defineActivity(tuneDefinition, async (ctx, p) => {
  const def = trainerDefinition(p.algorithm);
  const tunable = def?.trainer?.tunable;
  if (!def || !tunable) throw new StepInputError(`Tune: no tunable trainer "${p.algorithm}"`);
  const space: SearchSpace = Object.keys(p.space).length ? p.space : tunable.space;
  const takesTask = "task" in ((def.params as { shape?: object }).shape ?? {});
  const base = {
    ...p.fixed,
    label: p.label,
    exclude: p.exclude,
    ...(takesTask ? { task: p.task } : {}),
  };
  const defaults = def.params.safeParse(base);
  if (!defaults.success)
    throw new StepInputError(
      `Tune: fixed params for ${def.title}: ${defaults.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  const known = Object.keys(defaults.data as Record<string, unknown>);
  const unknown = Object.keys(space).filter((k) => !known.includes(k));
  if (unknown.length)
    throw new StepInputError(
      `Tune: ${def.title} has no param ${unknown.map((u) => `"${u}"`).join(", ")} (params: ${known.join(", ")})`,
    );

  const configs =
    p.strategy === "grid" ? gridConfigs(space, p.trials) : randomConfigs(space, p.trials, p.seed);
  const resource = p.strategy === "halving" ? tunable.resource : undefined;
  const maxResource = resource ? Number((defaults.data as Record<string, unknown>)[resource]) : 0;
  const rounds = resource
    ? halvingRounds(configs.length, maxResource)
    : [{ keep: configs.length, resource: 0 }];
  const total = rounds.reduce((a, r) => a + r.keep, 0);
  const metric = p.metric === "auto" ? undefined : p.metric;
  const taskQueue = ctx.gpu ? "gpu" : "cpu";
  ctx.log(
    `${p.strategy} search over ${Object.keys(space).join(", ")}: ${total} trainings in ${rounds.length} round(s), ${p.parallelism} at a time on the ${taskQueue} queue`,
  );

  const all: TrialResult[] = [];
  let survivors = configs.map((config, i) => ({ config, index: i }));
  let done = 0;
  let trialNo = 0;
  for (const [r, round] of rounds.entries()) {
    survivors = survivors.slice(0, round.keep);
    const planned = survivors.map((s) => ({ ...s, trial: trialNo++ }));
    const results = await pool(planned, p.parallelism, async (s) => {
      const params = { ...base, ...s.config, ...(resource ? { [resource]: round.resource } : {}) };
      const checked = def.params.safeParse(params);
      if (!checked.success)
        throw new StepInputError(
          `Tune: trial ${s.trial} params are invalid: ${checked.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        );
      const input: TrialInput = {
        trial: s.trial,
        round: r,
        algorithm: p.algorithm,
        params: checked.data as Record<string, unknown>,
        metric,
      };
      const result = (await ctx.runChild("tune.trial", `trial-${s.trial}`, input, {
        taskQueue,
        timeoutMs: 6 * 3_600_000,
        heartbeatMs: 60_000,
        retries: 1,
      })) as TrialResult;
      ctx.progress({ done: ++done, total, unit: "trials" });
      ctx.log(
        `trial ${s.trial} (round ${r}): ${result.score.name} ${result.score.value.toFixed(5)} ${JSON.stringify(s.config)}`,
      );
      return { ...result, index: s.index };
    });
    all.push(...results);
    survivors = [...results]
      .sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : a.trial - b.trial))
      .map((res) => ({ config: configs[res.index]!, index: res.index }));
  }
  const finalRound = all.filter((t) => t.round === rounds.length - 1);
  const best = finalRound.reduce((a, b) => (better(b, a) ? b : a));
  await ctx.track({
    algorithm: `tune:${p.algorithm}`,
    params: { strategy: p.strategy, space, best: best.params },
    metrics: { best: best.score, trials: all.length },
    curve: all.map((t, i) => ({ iteration: i + 1, train: t.score.value })),
    score: best.score,
    modelHash: best.model.hash,
  });
  return {
    model: best.model,
    metrics: await ctx.writeJson("metrics", {
      strategy: p.strategy,
      metric: best.score.name,
      space,
      best: { trial: best.trial, params: best.params, score: best.score },
      trials: all.map(({ trial, round, params, score, model }) => ({
        trial,
        round,
        params,
        score,
        model: model.hash,
      })),
    }),
  };
});
