"use client";

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTRPC } from "@/components/trpc";
import {
  ConfusionMatrix,
  LearningCurve,
  ResidualPlot,
  RocCurve,
  TrialScatter,
  type CurvePoint,
} from "./experiment-charts";

interface Scores {
  accuracy?: number;
  rocAuc?: number | null;
  rmse?: number;
  r2?: number;
  roc?: { x: number; y: number }[];
  confusion?: { classes: string[]; matrix: number[][] };
  residuals?: { predicted: number; residual: number }[];
}

interface MetricsReport {
  train?: Scores;
  validation?: Scores;
  test?: Scores;
  curve?: CurvePoint[];
  importance?: { feature?: string; column?: string; gain?: number; importance?: number }[];
  trials?: { trial: number; round: number; score: { value: number } }[];
  metric?: string;
}

/** Charts for a `metrics` artifact: train, evaluate, explain and tune reports. */
export function MetricsView({ hash, fallback }: { hash: string; fallback?: ReactNode }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.artifacts.json.queryOptions({ hash }));
  if (q.isPending) return <p className="text-xs text-slate-500">Loading…</p>;
  if (q.isError) return <p className="text-xs text-rose-700">{q.error.message}</p>;
  const m = (q.data ?? {}) as MetricsReport;
  // Other JSON (a validation report, a test node's summary) is shown as it is.
  if (!m.train && !m.validation && !m.test && !m.curve && !m.trials && !m.importance)
    return <>{fallback ?? null}</>;
  const main = m.test ?? m.validation ?? m.train;
  const importance = (m.importance ?? [])
    .map((i) => ({ name: i.feature ?? i.column ?? "?", value: i.gain ?? i.importance ?? 0 }))
    .sort((a, b) => b.value - a.value)
    .slice(0, 10);
  const top = Math.max(1e-12, ...importance.map((i) => Math.abs(i.value)));
  return (
    <div className="space-y-2" data-testid="metrics-view">
      {main && (
        <p className="text-xs">
          {main.accuracy !== undefined && <>accuracy {main.accuracy.toFixed(4)} · </>}
          {main.rocAuc !== undefined && main.rocAuc !== null && (
            <>ROC-AUC {main.rocAuc.toFixed(4)}</>
          )}
          {main.rmse !== undefined && (
            <>
              RMSE {main.rmse.toFixed(4)} · R² {main.r2?.toFixed(4)}
            </>
          )}
        </p>
      )}
      {m.curve && m.curve.length > 1 && <LearningCurve curve={m.curve} />}
      {main?.roc && <RocCurve points={main.roc} auc={main.rocAuc ?? null} />}
      {main?.confusion && (
        <ConfusionMatrix classes={main.confusion.classes} matrix={main.confusion.matrix} />
      )}
      {main?.residuals && <ResidualPlot residuals={main.residuals} />}
      {m.trials && (
        <TrialScatter
          trials={m.trials.map((t) => ({ trial: t.trial, round: t.round, score: t.score.value }))}
          metric={m.metric ?? "score"}
        />
      )}
      {importance.length > 0 && (
        <ul className="space-y-0.5 text-xs" aria-label="Feature importance">
          {importance.map((i) => (
            <li key={i.name} className="flex items-center gap-2">
              <span className="w-28 truncate" title={i.name}>
                {i.name}
              </span>
              <span
                className="h-2 rounded bg-teal-600"
                style={{ width: `${Math.max(2, (90 * Math.abs(i.value)) / top)}px` }}
              />
              <span className="font-mono text-slate-500">{i.value.toPrecision(3)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A model artifact's signature and scores, from its recorded metadata. */
export function ModelSummary({ hash }: { hash: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.artifacts.metadata.queryOptions({ hash }));
  if (q.isPending) return <p className="text-xs text-slate-500">Loading…</p>;
  if (q.isError) return <p className="text-xs text-rose-700">{q.error.message}</p>;
  const meta = q.data.metadata as {
    algorithm?: string;
    provider?: string;
    signature?: {
      task: string;
      label: string;
      classes?: unknown[];
      inputs: { column: string; type: string }[];
    };
  };
  const sig = meta.signature;
  return (
    <div className="space-y-1 text-xs" data-testid="model-summary">
      <p>
        ONNX model, {meta.algorithm} ({sig?.task}), {Math.round(q.data.sizeBytes / 1024)} KiB,
        trained on {meta.provider}
      </p>
      {sig && (
        <>
          <p>
            predicts <span className="font-mono">{sig.label}</span>
            {sig.classes && <> ({sig.classes.map(String).join(", ")})</>}
          </p>
          <p className="text-slate-500">
            takes raw columns:{" "}
            <span className="font-mono">
              {sig.inputs.map((i) => `${i.column}:${i.type}`).join(", ")}
            </span>
          </p>
        </>
      )}
    </div>
  );
}
