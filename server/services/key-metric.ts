import { eq, inArray } from "drizzle-orm";
import { headline } from "../../lib/ml/metrics";
import type { ClassificationMetrics, RegressionMetrics } from "../../lib/ml/metrics";
import type { Db } from "../db/client";
import { pipelines } from "../db/schema";
import { trackedSteps } from "./evaluations";

// A run's key metric: what the runs list, the history and comparisons headline. The pipeline
// chooses it ("test.accuracy", "validation.rmse"); by default the test metric of its evaluation,
// named as its trainer optimised, else the trainer's own validation score. Cached steps count:
// their numbers are those of the execution they reuse.

export const metricSplits = ["test", "validation", "train"] as const;
export const metricNames = ["accuracy", "f1", "rocAuc", "logLoss", "rmse", "mae", "r2"] as const;
export const keyMetricPattern = new RegExp(
  `^(${metricSplits.join("|")})\\.(${metricNames.join("|")})$`,
);

export interface KeyMetric {
  /** "test accuracy", "validation rmse" */
  name: string;
  value: number;
  higherIsBetter: boolean;
}

type Scores = ClassificationMetrics | RegressionMetrics;
const isScores = (m: unknown): m is Scores =>
  typeof m === "object" && m !== null && ("accuracy" in m || "rmse" in m);

function pick(metrics: unknown, name: string): { value: number; higherIsBetter: boolean } | null {
  if (!isScores(metrics)) return null;
  try {
    const h = headline(metrics, name);
    return Number.isFinite(h.value) ? { value: h.value, higherIsBetter: h.higherIsBetter } : null;
  } catch {
    return null;
  }
}

const better = (a: KeyMetric, b: KeyMetric | null) =>
  !b || (a.higherIsBetter ? a.value > b.value : a.value < b.value);

/** Each run's key metric (null where its steps tracked none that fits). */
export async function keyMetrics(
  db: Db,
  workspaceId: string,
  runs: { id: string; pipelineId: string }[],
  /** The runs' tracked steps, when the caller already has them. */
  known?: Awaited<ReturnType<typeof trackedSteps>>,
): Promise<Map<string, KeyMetric | null>> {
  const out = new Map<string, KeyMetric | null>();
  if (runs.length === 0) return out;
  const pipelineIds = [...new Set(runs.map((r) => r.pipelineId))];
  const [chosen, tracked] = await Promise.all([
    db
      .select({ id: pipelines.id, keyMetric: pipelines.keyMetric })
      .from(pipelines)
      .where(inArray(pipelines.id, pipelineIds)),
    known ??
      trackedSteps(
        db,
        workspaceId,
        runs.map((r) => r.id),
      ),
  ]);
  const choice = new Map(chosen.map((p) => [p.id, p.keyMetric]));
  for (const run of runs) {
    const mine = tracked.filter((t) => t.runId === run.id);
    const trainers = mine.filter((t) => t.nodeType !== "evaluate.model" && t.score);
    const evaluations = mine.filter((t) => t.nodeType === "evaluate.model");
    const trainerMetric =
      trainers.find((t) => evaluations.some((e) => e.inputs.model === t.modelHash))?.score?.name ??
      trainers[0]?.score?.name;
    const spec = choice.get(run.pipelineId);
    const [split, name] = spec
      ? (spec.split(".") as [string, string])
      : evaluations.length
        ? ["test", trainerMetric ?? defaultName(evaluations[0]!.metrics)]
        : ["validation", trainerMetric ?? ""];
    let best: KeyMetric | null = null;
    const sources = split === "test" ? evaluations : trainers;
    for (const t of sources) {
      const v = pick(t.metrics[split], name);
      const m = v && { name: `${split} ${name}`, ...v };
      if (m && better(m, best)) best = m;
    }
    out.set(run.id, best);
  }
  return out;
}

function defaultName(metrics: unknown): string {
  const test = (metrics as { test?: unknown }).test;
  return typeof test === "object" && test !== null && "rmse" in test ? "rmse" : "accuracy";
}

export async function pipelineKeyMetric(db: Db, pipelineId: string): Promise<string | null> {
  const [row] = await db
    .select({ keyMetric: pipelines.keyMetric })
    .from(pipelines)
    .where(eq(pipelines.id, pipelineId));
  return row?.keyMetric ?? null;
}

export async function setPipelineKeyMetric(db: Db, pipelineId: string, keyMetric: string | null) {
  await db.update(pipelines).set({ keyMetric }).where(eq(pipelines.id, pipelineId));
}
