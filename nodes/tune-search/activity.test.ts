import { describe, expect, it } from "vitest";
import { nodeDefinitions } from "../index";
import { useFakeSteps } from "../sdk/testing/steps";
import { tuneSearchActivity } from "./activity";
import { tuneTrialActivity, type TrialInput } from "./trial";

const fake = useFakeSteps();

// House prices from the surface, with a noisy second feature.
const houses = Array.from({ length: 80 }, (_, i) => ({
  "surface m²": 30 + ((i * 17) % 90),
  rooms: 1 + (i % 5),
  price: 2000 * (30 + ((i * 17) % 90)) + ((i * 7919) % 5000),
}));

/** A tune step whose trials run in place, each on the same inputs, as their workflows would. */
async function tuneStep(params: Record<string, unknown>) {
  const trials: TrialInput[] = [];
  const step = await fake({
    params,
    inputs: { train: { rows: houses.slice(0, 60) }, validation: { rows: houses.slice(60) } },
    runChild: async (activity, _key, input) => {
      expect(activity).toBe("tune.trial");
      trials.push(input as TrialInput);
      return tuneTrialActivity({ ...step.ctx, params: input });
    },
  });
  return { step, trials };
}

describe("tune.search", () => {
  it("offers every trainer that declares a tunable space, the forest included", () => {
    const trainers = nodeDefinitions["tune.search"].params.shape.algorithm.unwrap().options;
    expect([...trainers].sort()).toEqual(["forest", "gbdt", "linear", "logistic", "mlp"]);
  });

  it("searches the trainer's default space and returns the best trial's model", async () => {
    const { step, trials } = await tuneStep({
      algorithm: "forest",
      label: "price",
      strategy: "random",
      trials: 3,
      parallelism: 1,
      fixed: { trees: 10 },
    });
    const out = await tuneSearchActivity.activity(step.ctx);
    expect(trials).toHaveLength(3);
    expect(Object.keys(trials[0]!.params)).toEqual(
      expect.arrayContaining(["maxDepth", "minSamplesLeaf", "trees"]),
    );
    const report = (await step.json(out.metrics)) as {
      metric: string;
      best: { trial: number; score: { value: number } };
      trials: { score: { value: number }; model: string }[];
    };
    expect(report.metric).toBe("rmse");
    const best = Math.min(...report.trials.map((t) => t.score.value));
    expect(report.best.score.value).toBe(best);
    expect(out.model!.hash).toBe(report.trials[report.best.trial]!.model);
    // One experiment per trial, and the tune step's own.
    expect(step.tracked.map((t) => t.algorithm)).toEqual([
      "forest",
      "forest",
      "forest",
      "tune:forest",
    ]);
  });

  it("grows the halving resource from round to round", async () => {
    const { step, trials } = await tuneStep({
      algorithm: "gbdt",
      label: "price",
      strategy: "halving",
      trials: 3,
      parallelism: 2,
      fixed: { trees: 27, earlyStoppingRounds: 0 },
    });
    await tuneSearchActivity.activity(step.ctx);
    const byRound = new Map<number, number[]>();
    for (const t of trials)
      byRound.set(t.round, [...(byRound.get(t.round) ?? []), Number(t.params.trees)]);
    const rounds = [...byRound.keys()].sort();
    expect(rounds.length).toBeGreaterThan(1);
    expect(Math.max(...byRound.get(rounds.at(-1)!)!)).toBe(27);
    expect(Math.max(...byRound.get(rounds[0]!)!)).toBeLessThan(27);
  });

  it("says which param the trainer does not have", async () => {
    const { step } = await tuneStep({
      algorithm: "linear",
      label: "price",
      space: { trees: { min: 1, max: 10 } },
    });
    await expect(tuneSearchActivity.activity(step.ctx)).rejects.toThrow(
      /Linear regression has no param "trees" \(params: .*alpha/,
    );
  });
});
