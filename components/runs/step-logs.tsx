"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTRPC } from "@/components/trpc";

/** A run's persisted step logs, filtered by step and by text. */
export function StepLogs({
  runId,
  steps,
  live,
}: {
  runId: string;
  steps: string[];
  live: boolean;
}) {
  const trpc = useTRPC();
  const [stepId, setStepId] = useState("");
  const [search, setSearch] = useState("");
  const logs = useQuery(
    trpc.runs.logs.queryOptions(
      { runId, stepId: stepId || undefined, search: search || undefined },
      { refetchInterval: live ? 1000 : false },
    ),
  );
  const { refetch } = logs;
  // One last read when the run ends, for the lines logged after the last poll.
  useEffect(() => {
    if (!live) void refetch();
  }, [live, refetch]);
  return (
    <section aria-label="Logs" className="space-y-2">
      <div className="flex flex-wrap items-center gap-2">
        <h2 className="text-lg font-semibold">Logs</h2>
        <select
          aria-label="Step"
          className="rounded border border-slate-300 px-2 py-1 text-sm"
          value={stepId}
          onChange={(e) => setStepId(e.target.value)}
        >
          <option value="">all steps</option>
          {steps.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <input
          aria-label="Search logs"
          placeholder="search"
          className="rounded border border-slate-300 px-2 py-1 text-sm"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </div>
      <pre
        className="max-h-80 overflow-auto rounded bg-slate-900 p-3 text-xs text-slate-100"
        data-testid="step-logs"
      >
        {logs.data?.length
          ? logs.data
              .map(
                (l) =>
                  `${new Date(l.at).toISOString().slice(11, 23)} ${l.stepId}${l.attempt > 1 ? `#${l.attempt}` : ""}  ${l.message}`,
              )
              .join("\n")
          : logs.isPending
            ? "loading…"
            : "no log lines"}
      </pre>
    </section>
  );
}
