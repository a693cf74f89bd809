"use client";

import { useQuery } from "@tanstack/react-query";
import {
  ConfusionMatrix,
  LearningCurve,
  ResidualPlot,
  RocCurve,
  TrialScatter,
} from "@/components/charts/experiment-charts";
import { useTRPC } from "@/components/trpc";

interface Scores {
  accuracy?: number;
  rocAuc?: number | null;
  logLoss?: number;
  macro?: { f1: number };
  rmse?: number;
  mae?: number;
  r2?: number;
  rows?: number;
  roc?: { x: number; y: number }[];
  confusion?: { classes: string[]; matrix: number[][] };
  residuals?: { predicted: number; residual: number }[];
}

const fmt = (v: number | null | undefined) => (typeof v === "number" ? v.toFixed(4) : "—");

function Figures({ label, m }: { label: string; m: Scores }) {
  const rows: [string, number | null | undefined][] =
    m.rmse !== undefined
      ? [
          ["RMSE", m.rmse],
          ["MAE", m.mae],
          ["R²", m.r2],
        ]
      : [
          ["accuracy", m.accuracy],
          ["ROC-AUC", m.rocAuc],
          ["macro F1", m.macro?.f1],
          ["log-loss", m.logLoss],
        ];
  return (
    <div>
      <h4 className="text-xs font-medium text-slate-500">
        {label}
        {m.rows !== undefined && ` (${m.rows} rows)`}
      </h4>
      <dl className="grid grid-cols-[auto_auto] gap-x-3 text-xs">
        {rows.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="text-slate-500">{k}</dt>
            <dd className="font-mono" data-metric={k}>
              {fmt(v)}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

/** Tracked training steps, trials and evaluations of a run, with their charts. */
export function Experiments({ runId, refresh }: { runId: string; refresh: boolean }) {
  const trpc = useTRPC();
  const q = useQuery(
    trpc.experiments.forRun.queryOptions({ runId }, { refetchInterval: refresh ? 2000 : false }),
  );
  if (!q.data?.length) return null;
  const steps = q.data.filter((e) => e.trial === -1);
  return (
    <section className="space-y-4" aria-label="Experiments">
      <h2 className="text-lg font-semibold">Models and metrics</h2>
      {steps.map((e) => {
        const metrics = e.metrics as { train?: Scores; validation?: Scores; test?: Scores };
        const main = metrics.test ?? metrics.validation ?? metrics.train;
        const trials = q.data
          .filter((t) => t.stepId === e.stepId && t.trial >= 0)
          .map((t) => ({
            trial: t.trial,
            round: Number((t.metrics as { round?: number }).round ?? 0),
            score: t.score?.value ?? NaN,
            params: t.params,
          }));
        return (
          <article
            key={e.stepId}
            className="space-y-3 rounded border border-slate-200 p-3"
            data-experiment={e.stepId}
          >
            <header className="flex flex-wrap items-baseline gap-3 text-sm">
              <h3 className="font-semibold">{e.stepId}</h3>
              <span className="font-mono text-xs text-slate-500">{e.algorithm}</span>
              {e.provider && <span className="text-xs text-slate-500">on {e.provider}</span>}
              {e.score && (
                <span className="text-xs">
                  {e.score.name} <span className="font-mono">{fmt(e.score.value)}</span>
                </span>
              )}
            </header>
            <div className="flex flex-wrap gap-6">
              {metrics.train && <Figures label="train" m={metrics.train} />}
              {metrics.validation && <Figures label="validation" m={metrics.validation} />}
              {metrics.test && <Figures label="test" m={metrics.test} />}
            </div>
            <div className="grid gap-3 md:grid-cols-2">
              {trials.length === 0 && e.curve.length > 1 && <LearningCurve curve={e.curve} />}
              {trials.length > 0 && (
                <TrialScatter trials={trials} metric={e.score?.name ?? "score"} />
              )}
              {main?.roc && <RocCurve points={main.roc} auc={main.rocAuc ?? null} />}
              {main?.residuals && <ResidualPlot residuals={main.residuals} />}
              {main?.confusion && (
                <ConfusionMatrix classes={main.confusion.classes} matrix={main.confusion.matrix} />
              )}
            </div>
            {trials.length > 0 && (
              <table className="w-full text-xs" aria-label={`Trials of ${e.stepId}`}>
                <thead>
                  <tr className="text-left text-slate-500">
                    <th>trial</th>
                    <th>{e.score?.name ?? "score"}</th>
                    <th>params</th>
                  </tr>
                </thead>
                <tbody>
                  {trials.map((t) => (
                    <tr key={t.trial} className="border-t border-slate-100">
                      <td>{t.trial}</td>
                      <td className="font-mono">{fmt(t.score)}</td>
                      <td className="font-mono break-all text-slate-600">
                        {JSON.stringify(t.params)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </article>
        );
      })}
    </section>
  );
}
