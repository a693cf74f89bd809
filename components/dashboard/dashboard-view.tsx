"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatDuration } from "@/components/runs/duration";
import { useTRPC } from "@/components/trpc";
import { cn } from "@/components/ui/cn";

const driftStyle: Record<string, string> = {
  ok: "bg-emerald-100 text-emerald-800",
  drift: "bg-rose-100 text-rose-800",
  alert: "bg-amber-100 text-amber-800",
  unmonitored: "bg-slate-100 text-slate-600",
};

const percent = (v: number | null) => (v === null ? "—" : `${Math.round(v * 100)}%`);
const seconds = (s: number) => formatDuration(new Date(0), new Date(Math.round(s * 1000)));

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <div className="rounded border border-slate-200 bg-white p-3">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="text-2xl font-semibold" data-stat={label}>
        {value}
      </dd>
    </div>
  );
}

/** The workspace at a glance for managers: activity, speed, what serves, what waits on them. */
function useDashboard(days: number) {
  const trpc = useTRPC();
  return useQuery(trpc.dashboard.get.queryOptions({ days }, { refetchInterval: 15_000 }));
}

type DashboardData = NonNullable<ReturnType<typeof useDashboard>["data"]>;

export function DashboardView() {
  const [days, setDays] = useState(30);
  const q = useDashboard(days);

  return (
    <div className="space-y-8">
      <div className="flex items-center gap-4">
        <h1 className="text-xl font-semibold">Dashboard</h1>
        <label className="flex items-center gap-2 text-sm text-slate-600">
          Period
          <select
            value={days}
            onChange={(e) => setDays(Number(e.target.value))}
            className="rounded border border-slate-300 bg-white px-2 py-1"
          >
            <option value={7}>Last 7 days</option>
            <option value={30}>Last 30 days</option>
            <option value={90}>Last 90 days</option>
          </select>
        </label>
      </div>
      {q.isPending && <p className="text-sm text-slate-500">Loading…</p>}
      {q.isError && <p className="text-sm text-rose-700">{q.error.message}</p>}
      {q.data && <Panels d={q.data} />}
    </div>
  );
}

function Panels({ d }: { d: DashboardData }) {
  const chart = d.runsPerDay.map((x) => ({
    day: x.day.slice(5),
    succeeded: x.succeeded,
    failed: x.failed,
    rejected: x.rejected,
    other: x.total - x.succeeded - x.failed - x.rejected,
    successRate: x.successRate === null ? null : Math.round(x.successRate * 100),
  }));
  const drifting = d.endpoints.filter((p) => p.drift === "drift" || p.drift === "alert").length;
  return (
    <>
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-6">
        <Stat label="Runs" value={d.totals.total} />
        <Stat label="Success rate" value={percent(d.totals.successRate)} />
        <Stat label="Failed runs" value={d.totals.failed} />
        <Stat label="Rejected runs" value={d.totals.rejected} />
        <Stat label="Models in production" value={d.modelsInProduction} />
        <Stat label="Pending approvals" value={d.approvals.length} />
      </dl>

      <section aria-label="Runs per day" className="space-y-2">
        <h2 className="text-lg font-semibold">Runs per day and success rate</h2>
        <figure className="h-64 w-full rounded border border-slate-200 bg-white p-2">
          <ResponsiveContainer>
            <ComposedChart data={chart} margin={{ top: 8, right: 8, bottom: 4, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
              <XAxis dataKey="day" fontSize={11} />
              <YAxis yAxisId="runs" allowDecimals={false} fontSize={11} width={32} />
              <YAxis
                yAxisId="rate"
                orientation="right"
                domain={[0, 100]}
                unit="%"
                fontSize={11}
                width={40}
              />
              <Tooltip />
              <Legend verticalAlign="top" height={24} wrapperStyle={{ fontSize: 11 }} />
              <Bar
                yAxisId="runs"
                dataKey="succeeded"
                stackId="r"
                fill="#10b981"
                isAnimationActive={false}
              />
              <Bar
                yAxisId="runs"
                dataKey="failed"
                stackId="r"
                fill="#f43f5e"
                isAnimationActive={false}
              />
              <Bar
                yAxisId="runs"
                dataKey="rejected"
                stackId="r"
                fill="#9f1239"
                isAnimationActive={false}
              />
              <Bar
                yAxisId="runs"
                dataKey="other"
                name="running, waiting or cancelled"
                stackId="r"
                fill="#cbd5e1"
                isAnimationActive={false}
              />
              <Line
                yAxisId="rate"
                dataKey="successRate"
                name="success rate %"
                stroke="#0f172a"
                dot={false}
                connectNulls
                isAnimationActive={false}
              />
            </ComposedChart>
          </ResponsiveContainer>
        </figure>
      </section>

      <div className="grid gap-8 lg:grid-cols-2">
        <section aria-label="Median duration per pipeline" className="space-y-2">
          <h2 className="text-lg font-semibold">Median duration per pipeline</h2>
          {d.durations.length === 0 ? (
            <p className="text-sm text-slate-500">No successful runs in this period.</p>
          ) : (
            <>
              <figure
                className="w-full rounded border border-slate-200 bg-white p-2"
                style={{ height: 40 + 28 * Math.min(d.durations.length, 12) }}
              >
                <ResponsiveContainer>
                  <BarChart
                    data={d.durations.slice(0, 12)}
                    layout="vertical"
                    margin={{ top: 4, right: 16, bottom: 4, left: 8 }}
                  >
                    <XAxis type="number" unit=" s" fontSize={11} />
                    <YAxis
                      type="category"
                      dataKey="pipelineName"
                      width={140}
                      fontSize={11}
                      tickFormatter={(v: string) => (v.length > 20 ? `${v.slice(0, 19)}…` : v)}
                    />
                    <Tooltip />
                    <Bar
                      dataKey="medianSeconds"
                      name="median seconds"
                      fill="#0284c7"
                      isAnimationActive={false}
                    />
                  </BarChart>
                </ResponsiveContainer>
              </figure>
              <table className="w-full border-collapse text-sm" aria-label="Durations">
                <thead>
                  <tr className="border-b border-slate-200 text-left text-slate-500">
                    <th className="py-1.5">Pipeline</th>
                    <th className="text-right">Successful runs</th>
                    <th className="text-right">Median</th>
                  </tr>
                </thead>
                <tbody>
                  {d.durations.map((p) => (
                    <tr key={p.pipelineId} className="border-b border-slate-100">
                      <td className="py-1.5">
                        <Link
                          href={`/runs?pipeline=${p.pipelineId}`}
                          className="text-sky-700 hover:underline"
                        >
                          {p.pipelineName}
                        </Link>
                      </td>
                      <td className="text-right">{p.runs}</td>
                      <td className="text-right">{seconds(p.medianSeconds)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </section>

        <section aria-label="Pending approvals" className="space-y-2">
          <h2 className="text-lg font-semibold">Pending approvals</h2>
          {d.approvals.length === 0 ? (
            <p className="text-sm text-slate-500">Nothing is waiting for an approval.</p>
          ) : (
            <ul className="divide-y divide-slate-100 rounded border border-slate-200 bg-white text-sm">
              {d.approvals.map((a) => (
                <li key={`${a.runId}.${a.stepId}`} className="flex items-center gap-3 p-2">
                  <Link
                    href={`/runs/${a.runId}`}
                    className="font-medium text-sky-700 hover:underline"
                  >
                    {a.pipelineName} v{a.version} · {a.stepId}
                  </Link>
                  <span className="text-xs text-slate-500">
                    started by {a.triggeredByLabel}
                    {a.waitingSince &&
                      `, waiting since ${new Date(a.waitingSince).toLocaleString()}`}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <section aria-label="Endpoints" className="space-y-2">
        <h2 className="text-lg font-semibold">
          Endpoints
          {drifting > 0 && (
            <span className="ml-2 text-sm font-normal text-rose-700">
              {drifting} need attention
            </span>
          )}
        </h2>
        {d.endpoints.length === 0 ? (
          <p className="text-sm text-slate-500">No model is deployed.</p>
        ) : (
          <table className="w-full border-collapse text-sm" aria-label="Endpoints">
            <thead>
              <tr className="border-b border-slate-200 text-left text-slate-500">
                <th className="py-1.5">Endpoint</th>
                <th>Model</th>
                <th>Alias</th>
                <th>Strategy</th>
                <th>Last check</th>
                <th className="text-right">Alerts</th>
                <th className="pl-3">Drift</th>
              </tr>
            </thead>
            <tbody>
              {d.endpoints.map((p) => (
                <tr key={p.deploymentId} className="border-b border-slate-100">
                  <td className="py-1.5 font-mono text-xs">{p.name}</td>
                  <td>
                    {p.modelName} <span className="text-slate-400">v{p.version}</span>{" "}
                    <span className="text-xs text-slate-500">{p.algorithm}</span>
                  </td>
                  <td>
                    <span
                      className={cn(
                        "rounded px-1.5 py-0.5 text-xs",
                        p.alias === "production"
                          ? "bg-emerald-100 text-emerald-800"
                          : "bg-slate-100 text-slate-600",
                      )}
                    >
                      {p.alias}
                    </span>
                  </td>
                  <td>{p.strategy}</td>
                  <td>{p.checkedAt ? new Date(p.checkedAt).toLocaleString() : "never"}</td>
                  <td className="text-right" title={p.alertKinds.join(", ")}>
                    {p.alertCount ?? "—"}
                  </td>
                  <td className="pl-3">
                    <span
                      data-drift={p.drift}
                      className={cn(
                        "inline-block rounded-full px-2 py-0.5 text-xs font-medium",
                        driftStyle[p.drift] ?? driftStyle.unmonitored,
                      )}
                    >
                      {p.drift}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
