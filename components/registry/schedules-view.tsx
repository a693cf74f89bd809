"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";

/** Pipeline schedules (Temporal Schedules): create, pause, resume, delete. */
export function SchedulesView() {
  const trpc = useTRPC();
  const schedules = useQuery(trpc.schedules.list.queryOptions());
  const pipelines = useQuery(trpc.pipelines.list.queryOptions());
  const [pipelineId, setPipelineId] = useState("");
  const [cron, setCron] = useState("0 6 * * *");
  const refetch = () => void schedules.refetch();
  const create = useMutation(trpc.schedules.create.mutationOptions({ onSuccess: refetch }));
  const pause = useMutation(trpc.schedules.pause.mutationOptions({ onSuccess: refetch }));
  const remove = useMutation(trpc.schedules.delete.mutationOptions({ onSuccess: refetch }));
  const error = create.error ?? pause.error ?? remove.error ?? schedules.error;
  const name = (id: string) => pipelines.data?.find((p) => p.id === id)?.name ?? id;
  return (
    <div className="space-y-4">
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ pipelineId, cron });
        }}
      >
        <label className="text-sm">
          <span className="block text-xs text-slate-600">Pipeline</span>
          <select
            className="rounded border border-slate-300 px-2 py-1"
            value={pipelineId}
            onChange={(e) => setPipelineId(e.target.value)}
            required
          >
            <option value="">choose</option>
            {pipelines.data?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="block text-xs text-slate-600">Cron (UTC)</span>
          <input
            className="rounded border border-slate-300 px-2 py-1 font-mono"
            value={cron}
            onChange={(e) => setCron(e.target.value)}
          />
        </label>
        <Button type="submit" size="sm" disabled={!pipelineId || create.isPending}>
          Add schedule
        </Button>
      </form>
      {error && <p className="text-sm text-rose-700">{error.message}</p>}
      <table className="w-full text-sm" aria-label="Schedules">
        <thead>
          <tr className="border-b border-slate-200 text-left text-slate-500">
            <th className="py-1">Pipeline</th>
            <th>Cron</th>
            <th>State</th>
            <th>Next</th>
            <th>Last</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {schedules.data?.map((s) => (
            <tr
              key={s.scheduleId}
              className="border-b border-slate-100"
              data-schedule={s.scheduleId}
            >
              <td className="py-1">{name(s.pipelineId)}</td>
              <td className="font-mono text-xs">{s.cron}</td>
              <td>{s.paused ? "paused" : "active"}</td>
              <td className="text-xs">
                {s.nextRuns[0] ? new Date(s.nextRuns[0]).toLocaleString() : "—"}
              </td>
              <td className="text-xs">
                {s.recentRuns.at(-1) ? new Date(s.recentRuns.at(-1)!).toLocaleString() : "—"}
              </td>
              <td className="space-x-1 text-right">
                <Button
                  size="sm"
                  variant="secondary"
                  onClick={() => pause.mutate({ scheduleId: s.scheduleId, paused: !s.paused })}
                >
                  {s.paused ? "Resume" : "Pause"}
                </Button>
                <Button
                  size="sm"
                  variant="danger"
                  onClick={() => remove.mutate({ scheduleId: s.scheduleId })}
                >
                  Delete
                </Button>
              </td>
            </tr>
          ))}
          {schedules.data?.length === 0 && (
            <tr>
              <td colSpan={6} className="py-2 text-slate-500">
                No schedules.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
