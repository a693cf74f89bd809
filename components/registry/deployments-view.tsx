"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";

/** Endpoints: what serves, the traffic split, live rate and latency, and the actions on them. */
export function DeploymentsView() {
  const trpc = useTRPC();
  const list = useQuery(trpc.deployments.list.queryOptions(undefined, { refetchInterval: 5000 }));
  const [key, setKey] = useState<{ name: string; apiKey: string } | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const refetch = () => void list.refetch();
  const promote = useMutation(trpc.deployments.promote.mutationOptions({ onSuccess: refetch }));
  const rollback = useMutation(trpc.deployments.rollback.mutationOptions({ onSuccess: refetch }));
  const endChallenge = useMutation(
    trpc.deployments.endChallenge.mutationOptions({ onSuccess: refetch }),
  );
  const rotate = useMutation(trpc.deployments.rotateKey.mutationOptions());
  if (list.isPending) return <p className="text-sm text-slate-500">Loading deployments…</p>;
  if (list.isError) return <p className="text-sm text-rose-700">{list.error.message}</p>;
  if (!list.data.length)
    return <p className="text-sm text-slate-500">No endpoints yet: a Deploy node creates one.</p>;
  const error = promote.error ?? rollback.error ?? endChallenge.error ?? rotate.error;
  return (
    <div className="space-y-4">
      {error && <p className="text-sm text-rose-700">{error.message}</p>}
      {key && (
        <p
          className="rounded border border-amber-300 bg-amber-50 p-2 text-sm"
          data-testid="api-key"
        >
          New key for {key.name} (shown once): <code className="font-mono">{key.apiKey}</code>
        </p>
      )}
      {list.data.map((d) => (
        <section
          key={d.id}
          className="space-y-2 rounded border border-slate-200 p-3"
          data-deployment={d.name}
        >
          <header className="flex flex-wrap items-baseline gap-3">
            <h2 className="text-lg font-semibold">
              <Link href={`/deployments/${d.id}`} className="hover:underline">
                {d.name}
              </Link>
            </h2>
            <span className="rounded bg-sky-100 px-1.5 text-xs text-sky-800">{d.alias}</span>
            <span className="text-sm">
              {d.modelName} v{d.primaryVersion}
              {d.challengerVersion !== null &&
                ` · ${d.strategy} v${d.challengerVersion}${d.strategy === "canary" ? ` (${d.challengerPercent}%)` : ""}`}
            </span>
            <code className="text-xs text-slate-500">/v2/models/{d.name}/infer</code>
          </header>
          <Stats deploymentId={d.id} />
          <div className="flex flex-wrap gap-2">
            {d.challengerVersion !== null && (
              <>
                <Button size="sm" onClick={() => promote.mutate({ deploymentId: d.id })}>
                  Promote v{d.challengerVersion}
                </Button>
                <Button
                  size="sm"
                  variant="secondary"
                  onClick={() => endChallenge.mutate({ deploymentId: d.id })}
                >
                  End {d.strategy}
                </Button>
              </>
            )}
            {d.previousVersion !== null && (
              <Button
                size="sm"
                variant="danger"
                onClick={() => rollback.mutate({ deploymentId: d.id })}
              >
                Roll back to v{d.previousVersion}
              </Button>
            )}
            {confirming === d.id ? (
              <span className="flex items-center gap-2 text-sm" role="alertdialog">
                A new key retires the current one.
                <Button
                  size="sm"
                  variant="danger"
                  onClick={() =>
                    rotate.mutate(
                      { deploymentId: d.id },
                      {
                        onSuccess: ({ apiKey }) => {
                          setConfirming(null);
                          setKey({ name: d.name, apiKey });
                        },
                      },
                    )
                  }
                >
                  Create new key
                </Button>
                <Button size="sm" variant="secondary" onClick={() => setConfirming(null)}>
                  Cancel
                </Button>
              </span>
            ) : (
              <Button size="sm" variant="secondary" onClick={() => setConfirming(d.id)}>
                New API key…
              </Button>
            )}
            <Link
              href={`/deployments/${d.id}`}
              className="self-center text-sm text-sky-700 hover:underline"
            >
              How to call it
            </Link>
          </div>
        </section>
      ))}
    </div>
  );
}

function Stats({ deploymentId }: { deploymentId: string }) {
  const trpc = useTRPC();
  const stats = useQuery(
    trpc.deployments.stats.queryOptions({ deploymentId, minutes: 15 }, { refetchInterval: 5000 }),
  );
  if (!stats.data) return null;
  const rate = stats.data.perMinute.map((p) => ({ minute: p.minute.slice(11, 16), requests: p.n }));
  const served = stats.data.byRole.filter((r) => r.role !== "shadow");
  const total = served.reduce((a, r) => a + r.n, 0);
  return (
    <div className="flex flex-wrap items-start gap-6">
      {rate.length > 0 && (
        <figure className="h-24 w-64" aria-label="Requests per minute">
          <ResponsiveContainer>
            <LineChart data={rate} margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
              <XAxis dataKey="minute" fontSize={9} />
              <YAxis fontSize={9} width={28} allowDecimals={false} />
              <Tooltip />
              <Line dataKey="requests" stroke="#0f766e" dot={false} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </figure>
      )}
      <table className="text-xs" aria-label="Traffic">
        <thead>
          <tr className="text-left text-slate-500">
            <th className="pr-4">role</th>
            <th className="pr-4">requests (15 min)</th>
            <th className="pr-4">share</th>
            <th className="pr-4">p50 ms</th>
            <th className="pr-4">p95 ms</th>
            <th>p99 ms</th>
          </tr>
        </thead>
        <tbody>
          {stats.data.byRole.map((r) => (
            <tr key={`${r.role}-${r.version_id}`}>
              <td className="pr-4">{r.role}</td>
              <td className="pr-4">{r.n}</td>
              <td className="pr-4">
                {r.role === "shadow" || !total ? "—" : `${Math.round((100 * r.n) / total)}%`}
              </td>
              <td className="pr-4">{r.p50?.toFixed(1) ?? "—"}</td>
              <td className="pr-4">{r.p95?.toFixed(1) ?? "—"}</td>
              <td>{r.p99?.toFixed(1) ?? "—"}</td>
            </tr>
          ))}
          {!stats.data.byRole.length && (
            <tr>
              <td colSpan={6} className="text-slate-500">
                no requests in the last 15 minutes
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
