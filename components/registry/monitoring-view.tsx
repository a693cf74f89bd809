"use client";

import { useQuery } from "@tanstack/react-query";
import {
  Bar,
  BarChart,
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

interface FeatureDrift {
  feature: string;
  psi: number;
  pValue?: number;
  drifted: boolean;
  reference: { bin: string; share: number }[];
  current: { bin: string; share: number }[];
}

/** A deployment's monitor checks: drift per feature over time, histograms, alerts. */
export function MonitoringView({ deploymentId }: { deploymentId: string }) {
  const trpc = useTRPC();
  const q = useQuery(
    trpc.monitoring.results.queryOptions({ deploymentId, limit: 50 }, { refetchInterval: 10_000 }),
  );
  if (q.isPending) return <p className="text-sm text-slate-500">Loading checks…</p>;
  if (q.isError) return <p className="text-sm text-rose-700">{q.error.message}</p>;
  const checks = q.data.filter((c) => c.rows > 0);
  if (!checks.length)
    return (
      <p className="text-sm text-slate-500">
        No check with traffic yet (a Monitor node schedules them).
      </p>
    );
  const latest = checks[0]!;
  const features = latest.features as unknown as FeatureDrift[];
  const names = features.map((f) => f.feature);
  const overTime = [...checks].reverse().map((c) => ({
    at: new Date(c.windowEnd).toLocaleTimeString(),
    ...Object.fromEntries(
      (c.features as unknown as FeatureDrift[]).map((f) => [f.feature, Number(f.psi.toFixed(4))]),
    ),
  }));
  const colours = [
    "#0f766e",
    "#b45309",
    "#1d4ed8",
    "#7c3aed",
    "#be123c",
    "#15803d",
    "#a16207",
    "#475569",
  ];
  return (
    <div className="space-y-4">
      <section aria-label="Alerts">
        <h2 className="font-semibold">Alerts</h2>
        <ul className="text-sm">
          {checks.flatMap((c) =>
            c.alerts.map((a, i) => (
              <li key={`${c.id}-${i}`} className="text-rose-700" data-alert={a.feature ?? a.kind}>
                {new Date(c.windowEnd).toLocaleString()}: {a.message}
                {c.retrainRunId && i === 0 && (
                  <a className="ml-2 text-sky-700 underline" href={`/runs/${c.retrainRunId}`}>
                    retraining run
                  </a>
                )}
              </li>
            )),
          )}
          {!checks.some((c) => c.alerts.length) && <li className="text-slate-500">none</li>}
        </ul>
      </section>
      <section aria-label="Drift over time" className="h-64">
        <h2 className="font-semibold">PSI per feature over time</h2>
        <ResponsiveContainer>
          <LineChart data={overTime} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="at" fontSize={11} />
            <YAxis fontSize={11} width={40} />
            <Tooltip />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            {names.map((n, i) => (
              <Line
                key={n}
                dataKey={n}
                stroke={colours[i % colours.length]}
                dot
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </section>
      <section className="grid gap-4 md:grid-cols-2" aria-label="Histograms">
        {features.map((f) => (
          <figure
            key={f.feature}
            className="h-48 rounded border border-slate-200 p-2"
            data-feature={f.feature}
          >
            <figcaption className="text-xs">
              <span className={f.drifted ? "font-semibold text-rose-700" : ""}>{f.feature}</span> ·
              PSI {f.psi.toFixed(3)}
              {f.pValue !== undefined && ` · KS p ${f.pValue.toExponential(1)}`}
            </figcaption>
            <ResponsiveContainer>
              <BarChart
                data={f.reference.map((r, i) => ({
                  bin: r.bin,
                  reference: r.share,
                  current: f.current[i]?.share ?? 0,
                }))}
              >
                <XAxis dataKey="bin" fontSize={9} interval={0} angle={-30} height={40} />
                <YAxis fontSize={10} width={32} />
                <Tooltip />
                <Bar dataKey="reference" fill="#94a3b8" isAnimationActive={false} />
                <Bar dataKey="current" fill="#0f766e" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </figure>
        ))}
      </section>
    </div>
  );
}
