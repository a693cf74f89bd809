import { nodeDefinitions } from "../index";
import { gridConfigs, halvingRounds, randomConfigs } from "../../server/ml/search";
import type { SearchSpace } from "./space";
import type { NodeActivity, StepContext } from "../activity-types";
import { StepInputError } from "../errors";
import { tuneSearch } from "./node";
import type { TrialInput, TrialResult } from "./trial";

type Params = ReturnType<typeof tuneSearch.params.parse>;

const defaultSpaces: Record<Params["algorithm"], SearchSpace> = {
  gbdt: {
    learningRate: { min: 0.02, max: 0.3, log: true, int: false },
    maxLeaves: { min: 8, max: 64, log: true, int: true },
    minDataInLeaf: { min: 5, max: 60, log: true, int: true },
  },
  mlp: {
    learningRate: { min: 0.0003, max: 0.01, log: true, int: false },
    l2: { min: 0.000001, max: 0.01, log: true, int: false },
  },
  logistic: {
    l2: { min: 0.000001, max: 0.1, log: true, int: false },
    learningRate: { min: 0.005, max: 0.2, log: true, int: false },
  },
  linear: { alpha: { min: 0.001, max: 100, log: true, int: false } },
};

/** The param that successive halving grows from round to round. */
const resources: Partial<Record<Params["algorithm"], "trees" | "epochs">> = {
  gbdt: "trees",
  mlp: "epochs",
  logistic: "epochs",
};

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
export const tuneSearchActivity: NodeActivity = async (ctx: StepContext) => {
  const p = tuneSearch.params.parse(ctx.params);
  const def = nodeDefinitions[`train.${p.algorithm}`];
  const space = Object.keys(p.space).length ? p.space : defaultSpaces[p.algorithm];
  const base = {
    ...p.fixed,
    label: p.label,
    exclude: p.exclude,
    ...(p.algorithm === "gbdt" || p.algorithm === "mlp" ? { task: p.task } : {}),
  };
  const defaults = def.params.safeParse(base);
  if (!defaults.success)
    throw new StepInputError(
      `Tune: fixed params for ${def.title}: ${defaults.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  const known = Object.keys(defaults.data);
  const unknown = Object.keys(space).filter((k) => !known.includes(k));
  if (unknown.length)
    throw new StepInputError(
      `Tune: ${def.title} has no param ${unknown.map((u) => `"${u}"`).join(", ")} (params: ${known.join(", ")})`,
    );

  const configs =
    p.strategy === "grid" ? gridConfigs(space, p.trials) : randomConfigs(space, p.trials, p.seed);
  const resource = p.strategy === "halving" ? resources[p.algorithm] : undefined;
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
        params: checked.data,
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
};
