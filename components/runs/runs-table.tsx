"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/components/trpc";
import { StatusBadge } from "@/components/ui/status-badge";
import { formatDuration } from "./duration";
import { liveRunStatuses } from "@/common/run-status";

export function RunsTable({ limit = 50 }: { limit?: number }) {
  const trpc = useTRPC();
  const runs = useQuery(
    trpc.runs.list.queryOptions(
      { limit },
      {
        refetchInterval: (q) =>
          q.state.data?.some((r) => liveRunStatuses.has(r.status)) ? 1000 : 5000,
      },
    ),
  );
  if (runs.isPending) return <p className="text-sm text-slate-500">Loading runs…</p>;
  if (runs.isError)
    return <p className="text-sm text-rose-700">Could not load runs: {runs.error.message}</p>;
  if (runs.data.length === 0) return <p className="text-sm text-slate-500">No runs yet.</p>;
  return (
    <table className="w-full border-collapse text-sm" aria-label="Runs">
      <thead>
        <tr className="border-b border-slate-200 text-left text-slate-500">
          <th className="py-2">Run</th>
          <th>Pipeline</th>
          <th>Status</th>
          <th>Started</th>
          <th>Duration</th>
        </tr>
      </thead>
      <tbody>
        {runs.data.map((r) => (
          <tr key={r.id} className="border-b border-slate-100" data-run-id={r.id}>
            <td className="py-2 font-mono text-xs">
              <Link href={`/runs/${r.id}`} className="text-sky-700 hover:underline">
                {r.id.slice(0, 8)}
              </Link>
            </td>
            <td>
              {r.pipelineName} <span className="text-slate-400">v{r.version}</span>
            </td>
            <td>
              <StatusBadge status={r.status} />
            </td>
            <td>{new Date(r.createdAt).toLocaleString()}</td>
            <td>{formatDuration(r.startedAt, r.finishedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
