"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo, useState } from "react";
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { useTRPC } from "@/components/trpc";
import { StatusBadge } from "@/components/ui/status-badge";
import { cn } from "@/components/ui/cn";
import { formatDuration } from "./duration";
import { formatSeconds } from "./history-table";

/** One colour per compared run, in the chart and the column headers alike. */
const runColors = ["#0284c7", "#e11d48", "#059669", "#d97706", "#7c3aed"];

const fmtNumber = (v: number | null) =>
  v === null ? "—" : Math.abs(v) >= 1000 ? v.toFixed(1) : Number(v.toPrecision(5)).toString();

interface Curve {
  runId: string;
  stepId: string;
  curve: { iteration: number; train: number; validation?: number }[];
}

/** Curves of one step from every run, merged by iteration into rows recharts can draw. */
export function overlayCurves(curves: Curve[], runIds: string[]) {
  const rows = new Map<number, Record<string, number>>();
  for (const c of curves) {
    const i = runIds.indexOf(c.runId);
    for (const p of c.curve) {
      const row = rows.get(p.iteration) ?? { iteration: p.iteration };
      row[`train${i}`] = p.train;
      if (p.validation !== undefined && p.validation !== null) row[`validation${i}`] = p.validation;
      rows.set(p.iteration, row);
    }
  }
  return [...rows.values()].sort((a, b) => a.iteration! - b.iteration!);
}

export function CompareView({ ids }: { ids: string[] }) {
  const trpc = useTRPC();
  const valid = ids.length >= 2 && ids.length <= 5;
  const q = useQuery({
    ...trpc.history.compare.queryOptions({ runIds: ids }),
    enabled: valid,
  });
  const [onlyDiffs, setOnlyDiffs] = useState(true);
  const [curveStep, setCurveStep] = useState<string | null>(null);

  const curveSteps = useMemo(
    () => [...new Set(q.data?.curves.map((c) => c.stepId) ?? [])],
    [q.data],
  );
  const step = curveStep ?? curveSteps[0] ?? null;
  const overlay = useMemo(
    () =>
      q.data && step
        ? overlayCurves(
            q.data.curves.filter((c) => c.stepId === step),
            ids,
          )
        : [],
    [q.data, step, ids],
  );

  if (!valid)
    return (
      <p className="text-sm text-rose-700">
        Pick 2 to 5 runs on the <Link href="/runs">Runs</Link> page to compare them.
      </p>
    );
  if (q.isPending) return <p className="text-sm text-slate-500">Loading runs…</p>;
  if (q.isError) return <p className="text-sm text-rose-700">{q.error.message}</p>;
  const c = q.data;
  const params = onlyDiffs ? c.params.filter((p) => p.differs) : c.params;
  const hasValidation = overlay.some((r) => Object.keys(r).some((k) => k.startsWith("valid")));

  const header = (
    <tr className="border-b border-slate-200 text-left text-slate-500">
      <th className="py-2">Step</th>
      <th>Name</th>
      {c.runs.map((r, i) => (
        <th key={r.id} className="font-mono text-xs" style={{ color: runColors[i] }}>
          {r.id.slice(0, 8)}
        </th>
      ))}
    </tr>
  );

  return (
    <div className="space-y-8">
      <section aria-label="Runs compared">
        <table className="w-full border-collapse text-sm" aria-label="Summary">
          <thead>
            <tr className="border-b border-slate-200 text-left text-slate-500">
              <th className="py-2" />
              {c.runs.map((r, i) => (
                <th key={r.id} className="font-mono text-xs">
                  <span
                    className="mr-1 inline-block h-2 w-2 rounded-full"
                    style={{ backgroundColor: runColors[i] }}
                  />
                  <Link href={`/runs/${r.id}`} className="text-sky-700 hover:underline">
                    {r.id.slice(0, 8)}
                  </Link>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <SummaryRow
              label="Pipeline"
              values={c.runs.map((r) => `${r.pipelineName} v${r.version}`)}
            />
            <tr className="border-b border-slate-100">
              <th className="py-1.5 text-left font-normal text-slate-500">Status</th>
              {c.runs.map((r) => (
                <td key={r.id}>
                  <StatusBadge status={r.status} />
                </td>
              ))}
            </tr>
            <SummaryRow label="Triggered by" values={c.runs.map((r) => r.triggeredByLabel)} />
            <SummaryRow
              label="Started"
              values={c.runs.map((r) => new Date(r.createdAt).toLocaleString())}
            />
            <SummaryRow
              label="Duration"
              values={c.runs.map((r) => formatDuration(r.startedAt, r.finishedAt))}
            />
            <SummaryRow
              label="Steps (cached)"
              values={c.runs.map((r) => `${r.stepCount} (${r.cacheHits})`)}
            />
            <SummaryRow label="CPU s" values={c.runs.map((r) => formatSeconds(r.cpuSeconds))} />
            <SummaryRow label="GPU s" values={c.runs.map((r) => formatSeconds(r.gpuSeconds))} />
            <SummaryRow
              label="Key metric"
              values={c.runs.map((r) =>
                r.keyMetric ? `${r.keyMetric.name} ${fmtNumber(r.keyMetric.value)}` : "—",
              )}
            />
            <SummaryRow label="Tags" values={c.runs.map((r) => r.tags.join(", ") || "—")} />
          </tbody>
        </table>
      </section>

      <section aria-label="Parameters" className="space-y-2">
        <div className="flex items-center gap-4">
          <h2 className="text-lg font-semibold">Parameters</h2>
          <label className="flex items-center gap-1 text-sm text-slate-600">
            <input
              type="checkbox"
              checked={onlyDiffs}
              onChange={(e) => setOnlyDiffs(e.target.checked)}
            />
            Only differences
          </label>
        </div>
        {params.length === 0 ? (
          <p className="text-sm text-slate-500">
            {onlyDiffs ? "Every parameter is the same in these runs." : "No parameters."}
          </p>
        ) : (
          <table className="w-full border-collapse text-sm" aria-label="Parameters">
            <thead>{header}</thead>
            <tbody>
              {params.map((p) => (
                <tr
                  key={`${p.stepId}.${p.name}`}
                  data-differs={p.differs}
                  className={cn("border-b border-slate-100", p.differs && "bg-amber-50")}
                >
                  <td className="py-1.5 font-medium">{p.stepId}</td>
                  <td className="font-mono text-xs">{p.name}</td>
                  {p.values.map((v, i) => (
                    <td
                      key={i}
                      className={cn(
                        "max-w-xs truncate font-mono text-xs",
                        p.differs && "font-semibold text-amber-900",
                      )}
                      title={v ?? "not in this run"}
                    >
                      {v ?? <span className="text-slate-400">—</span>}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-label="Metrics" className="space-y-2">
        <h2 className="text-lg font-semibold">Metrics</h2>
        {c.metrics.length === 0 ? (
          <p className="text-sm text-slate-500">These runs tracked no metrics.</p>
        ) : (
          <table className="w-full border-collapse text-sm" aria-label="Metrics">
            <thead>{header}</thead>
            <tbody>
              {c.metrics.map((m) => (
                <tr
                  key={`${m.task}.${m.name}`}
                  className={cn("border-b border-slate-100", m.differs && "bg-slate-50")}
                >
                  <td className="py-1.5 font-medium">
                    {m.task}
                    {new Set(m.stepIds.filter(Boolean)).size > 1 && (
                      <span className="block text-xs font-normal text-slate-500">
                        steps {m.stepIds.map((s) => s ?? "—").join(" · ")}
                      </span>
                    )}
                  </td>
                  <td className="font-mono text-xs">{m.name}</td>
                  {m.values.map((v, i) => (
                    <td key={i} className="font-mono text-xs">
                      {fmtNumber(v)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {curveSteps.length > 0 && step && (
        <section aria-label="Learning curves" className="space-y-2">
          <div className="flex items-center gap-4">
            <h2 className="text-lg font-semibold">Learning curves</h2>
            {curveSteps.length > 1 && (
              <label className="flex items-center gap-1 text-sm text-slate-600">
                Step
                <select
                  value={step}
                  onChange={(e) => setCurveStep(e.target.value)}
                  className="rounded border border-slate-300 px-2 py-1"
                >
                  {curveSteps.map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              </label>
            )}
          </div>
          <figure
            className="h-72 w-full rounded border border-slate-200 bg-white p-2"
            aria-label="Overlaid learning curves"
          >
            <ResponsiveContainer>
              <LineChart data={overlay} margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
                <XAxis
                  dataKey="iteration"
                  type="number"
                  domain={["dataMin", "dataMax"]}
                  fontSize={11}
                  label={{ value: "iteration", position: "insideBottom", offset: -8, fontSize: 11 }}
                />
                <YAxis fontSize={11} width={48} domain={["auto", "auto"]} />
                <Tooltip />
                <Legend verticalAlign="top" height={24} wrapperStyle={{ fontSize: 11 }} />
                {c.runs.map((r, i) => [
                  <Line
                    key={`t${r.id}`}
                    type="monotone"
                    dataKey={`train${i}`}
                    name={`${r.id.slice(0, 8)} train`}
                    stroke={runColors[i]}
                    strokeDasharray="4 3"
                    dot={false}
                    connectNulls
                    isAnimationActive={false}
                  />,
                  hasValidation && (
                    <Line
                      key={`v${r.id}`}
                      type="monotone"
                      dataKey={`validation${i}`}
                      name={`${r.id.slice(0, 8)} validation`}
                      stroke={runColors[i]}
                      dot={false}
                      connectNulls
                      isAnimationActive={false}
                    />
                  ),
                ])}
              </LineChart>
            </ResponsiveContainer>
          </figure>
          <p className="text-xs text-slate-500">
            Dashed: training loss; solid: validation loss. One colour per run.
          </p>
        </section>
      )}
    </div>
  );
}

function SummaryRow({ label, values }: { label: string; values: string[] }) {
  const differs = new Set(values).size > 1;
  return (
    <tr className="border-b border-slate-100">
      <th className="py-1.5 pr-4 text-left font-normal whitespace-nowrap text-slate-500">
        {label}
      </th>
      {values.map((v, i) => (
        <td key={i} className={cn("text-sm", differs && label === "Pipeline" && "font-medium")}>
          {v}
        </td>
      ))}
    </tr>
  );
}
