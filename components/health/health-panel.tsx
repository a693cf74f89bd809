"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc";
import { StatusBadge } from "@/components/ui/status-badge";

export function HealthPanel() {
  const trpc = useTRPC();
  const health = useQuery(trpc.health.get.queryOptions(undefined, { refetchInterval: 5000 }));
  if (health.isPending) return <p className="text-sm text-slate-500">Checking the stack…</p>;
  if (health.isError)
    return <p className="text-sm text-rose-700">Health check failed: {health.error.message}</p>;
  const h = health.data;
  const rows = [
    {
      name: "Database",
      ok: h.database.ok,
      detail: h.database.error ?? `${h.database.latencyMs ?? "?"} ms`,
    },
    {
      name: "Temporal",
      ok: h.temporal.ok,
      detail: h.temporal.error ?? `${h.temporal.address ?? ""} · ${h.temporal.namespace}`,
    },
    ...h.queues.map((q) => ({
      name: `Queue ${q.queue}${q.required ? "" : " (optional)"}`,
      ok: q.ok,
      detail:
        q.error ??
        (q.workers.length
          ? q.workers
              .map(
                (w) =>
                  `${w.identity}${w.gpus.length ? ` · ${w.gpus.map((g) => g.name).join(", ")}` : " · no GPU"}`,
              )
              .join("; ")
          : (q.note ?? "no worker polling")),
    })),
  ];
  return (
    <section aria-label="Stack health" className="rounded-lg border border-slate-200 bg-white p-4">
      <div className="mb-3 flex items-center gap-2">
        <h2 className="font-semibold">Stack health</h2>
        <StatusBadge status={h.status} />
      </div>
      <ul className="space-y-1 text-sm">
        {rows.map((r) => (
          <li key={r.name} className="flex gap-3" data-part={r.name}>
            <span className={r.ok ? "text-emerald-600" : "text-rose-600"}>{r.ok ? "●" : "○"}</span>
            <span className="w-40 font-medium">{r.name}</span>
            <span className="min-w-0 break-words text-slate-600">{r.detail}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
