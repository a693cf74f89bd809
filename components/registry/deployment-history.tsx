"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { atLeast } from "@/common/roles";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";

const windows = [
  { hours: 1, label: "1 hour" },
  { hours: 24, label: "24 hours" },
  { hours: 24 * 7, label: "7 days" },
] as const;

const frame = "h-56 w-full rounded border border-slate-200 bg-white p-2";

/**
 * A deployment over time: requests and errors, latency percentiles, every change of what it
 * serves, and promote or roll back where they apply (managers).
 */
export function DeploymentHistory({ deploymentId }: { deploymentId: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [hours, setHours] = useState<number>(24);
  const list = useQuery(trpc.deployments.list.queryOptions());
  const me = useQuery(trpc.me.get.queryOptions());
  const history = useQuery(
    trpc.deployments.history.queryOptions({ deploymentId, hours }, { refetchInterval: 10_000 }),
  );
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: trpc.deployments.list.queryKey() });
    void qc.invalidateQueries({ queryKey: trpc.deployments.history.queryKey() });
  };
  const promote = useMutation(trpc.deployments.promote.mutationOptions({ onSuccess: refresh }));
  const rollback = useMutation(trpc.deployments.rollback.mutationOptions({ onSuccess: refresh }));
  const d = list.data?.find((x) => x.id === deploymentId);
  const role = me.data?.principal?.role;
  const manager = role !== undefined && atLeast(role, "manager");
  const h = history.data;
  const short = hours <= 24;
  const points =
    h?.buckets.map((b) => ({
      ...b,
      label: short
        ? new Date(b.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
        : new Date(b.at).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit" }),
    })) ?? [];
  const totals = points.reduce(
    (t, b) => ({ requests: t.requests + b.requests, errors: t.errors + b.errors }),
    { requests: 0, errors: 0 },
  );
  const error = promote.error ?? rollback.error;

  return (
    <section aria-label="Traffic and versions" className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="text-lg font-semibold">Traffic and versions</h2>
        <div role="group" aria-label="Window" className="flex gap-1">
          {windows.map((w) => (
            <button
              key={w.hours}
              type="button"
              aria-pressed={hours === w.hours}
              onClick={() => setHours(w.hours)}
              className={cn(
                "rounded border px-2 py-0.5 text-xs",
                hours === w.hours
                  ? "border-sky-600 bg-sky-50 text-sky-800"
                  : "border-slate-300 text-slate-600",
              )}
            >
              {w.label}
            </button>
          ))}
        </div>
        {d && (
          <span className="text-sm text-slate-600">
            {d.modelName} v{d.primaryVersion} as {d.alias}
            {d.challengerVersion !== null && `, ${d.strategy} v${d.challengerVersion}`}
          </span>
        )}
        {d && manager && (
          <span className="ml-auto flex gap-2">
            {d.challengerVersion !== null && (
              <Button size="sm" onClick={() => promote.mutate({ deploymentId })}>
                Promote v{d.challengerVersion}
              </Button>
            )}
            {d.previousVersion !== null && (
              <Button size="sm" variant="danger" onClick={() => rollback.mutate({ deploymentId })}>
                Roll back to v{d.previousVersion}
              </Button>
            )}
          </span>
        )}
      </div>
      {error && <p className="text-sm text-rose-700">{error.message}</p>}
      {h && (
        <p className="text-sm text-slate-600" data-testid="traffic-totals">
          {totals.requests.toLocaleString()} answered and {totals.errors.toLocaleString()} refused
          or failed requests in the last {windows.find((w) => w.hours === hours)?.label}
          {Object.keys(h.errorsByStatus).length > 0 &&
            ` (${Object.entries(h.errorsByStatus)
              .map(([status, n]) => `${n} × ${status}`)
              .join(", ")})`}
          .
        </p>
      )}
      {points.length > 0 && (
        <div className="grid gap-4 md:grid-cols-2">
          <figure className={frame} aria-label="Requests and errors">
            <ResponsiveContainer>
              <ComposedChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
                <XAxis dataKey="label" fontSize={10} />
                <YAxis fontSize={10} width={36} allowDecimals={false} />
                <Tooltip />
                <Legend verticalAlign="top" height={20} wrapperStyle={{ fontSize: 11 }} />
                <Bar dataKey="requests" fill="#0f766e" isAnimationActive={false} />
                <Bar dataKey="errors" fill="#e11d48" isAnimationActive={false} />
              </ComposedChart>
            </ResponsiveContainer>
          </figure>
          <figure className={frame} aria-label="Latency percentiles">
            <ResponsiveContainer>
              <LineChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
                <XAxis dataKey="label" fontSize={10} />
                <YAxis fontSize={10} width={36} unit=" ms" />
                <Tooltip />
                <Legend verticalAlign="top" height={20} wrapperStyle={{ fontSize: 11 }} />
                <Line dataKey="p50" stroke="#0ea5e9" dot={false} isAnimationActive={false} />
                <Line dataKey="p95" stroke="#f59e0b" dot={false} isAnimationActive={false} />
                <Line dataKey="p99" stroke="#e11d48" dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </figure>
        </div>
      )}
      {h && points.length === 0 && (
        <p className="text-sm text-slate-500">No requests in this window.</p>
      )}
      {h && (
        <table className="w-full border-collapse text-sm" aria-label="Version history">
          <thead>
            <tr className="border-b border-slate-200 text-left text-slate-500">
              <th className="py-1 font-normal">When</th>
              <th className="font-normal">Change</th>
              <th className="font-normal">Version</th>
              <th className="font-normal">By</th>
            </tr>
          </thead>
          <tbody>
            {h.changes.map((c, i) => (
              <tr key={i} className="border-b border-slate-100">
                <td className="py-1">{new Date(c.at).toLocaleString()}</td>
                <td>
                  {c.action}
                  {c.alias && <span className="text-slate-500"> ({c.alias})</span>}
                </td>
                <td>
                  {c.previous !== null && c.previous !== c.version && `v${c.previous} → `}
                  {c.version !== null ? `v${c.version}` : "—"}
                </td>
                <td className="text-xs">{c.actor}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
