"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
import { formatDuration } from "./duration";
import { Experiments } from "./experiments";
import { StepLogs } from "./step-logs";

const active = new Set(["queued", "running"]);
const stepActive = new Set(["pending", "awaiting_approval", "queued", "running"]);

function isProgress(p: unknown): p is { done: number; total: number; unit?: string } {
  return typeof p === "object" && p !== null && "done" in p && "total" in p;
}

export function RunView({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const run = useQuery(
    trpc.runs.get.queryOptions(
      { runId },
      { refetchInterval: (q) => (q.state.data && !active.has(q.state.data.status) ? false : 1000) },
    ),
  );
  const cancel = useMutation(trpc.runs.cancel.mutationOptions());
  const approve = useMutation(
    trpc.runs.approve.mutationOptions({ onSuccess: () => void run.refetch() }),
  );
  const resume = useMutation(
    trpc.runs.resume.mutationOptions({
      onSuccess: ({ runId: next }) => router.push(`/runs/${next}`),
    }),
  );
  if (run.isPending) return <p className="text-sm text-slate-500">Loading run…</p>;
  if (run.isError) return <p className="text-sm text-rose-700">{run.error.message}</p>;
  const r = run.data;
  const error = cancel.error ?? approve.error ?? resume.error;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold">
          {r.pipelineName} <span className="text-slate-400">v{r.version}</span>
        </h1>
        <StatusBadge status={r.status} className="text-sm" data-testid="run-status" />
        {active.has(r.status) && (
          <Button
            variant="secondary"
            size="sm"
            disabled={cancel.isPending}
            onClick={() => cancel.mutate({ runId })}
          >
            Cancel
          </Button>
        )}
        {(r.status === "failed" || r.status === "cancelled") && (
          <Button size="sm" disabled={resume.isPending} onClick={() => resume.mutate({ runId })}>
            Retry from failed
          </Button>
        )}
      </div>
      {error && <p className="text-sm text-rose-700">{error.message}</p>}
      <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-1 text-sm sm:grid-cols-[auto_auto_auto_1fr]">
        <dt className="text-slate-500">Run id</dt>
        <dd className="font-mono text-xs">{r.id}</dd>
        <dt className="text-slate-500">Duration</dt>
        <dd>{formatDuration(r.startedAt, r.finishedAt)}</dd>
      </dl>
      {r.error && (
        <p className="rounded border border-rose-200 bg-rose-50 p-3 text-sm text-rose-800">
          {r.error}
        </p>
      )}
      <table className="w-full border-collapse text-sm" aria-label="Steps">
        <thead>
          <tr className="border-b border-slate-200 text-left text-slate-500">
            <th className="py-2">Step</th>
            <th>Node</th>
            <th>Status</th>
            <th>Attempts</th>
            <th>Duration</th>
            <th>Worker</th>
            <th>Cache / error</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {r.steps.map((s) => (
            <tr
              key={s.stepId}
              className="border-b border-slate-100 align-top"
              data-step-id={s.stepId}
            >
              <td className="py-2 font-medium">{s.stepId}</td>
              <td className="font-mono text-xs">{s.nodeType}</td>
              <td>
                <StatusBadge status={s.status} />
              </td>
              <td>{s.attempts}</td>
              <td>
                {formatDuration(s.startedAt, s.finishedAt)}
                {s.status === "running" && isProgress(s.progress) && (
                  <span className="ml-2 text-xs text-slate-500" data-testid="step-progress">
                    {s.progress.unit
                      ? `${s.progress.done} of ${s.progress.total} ${s.progress.unit}`
                      : `${Math.round((100 * s.progress.done) / Math.max(1, s.progress.total))}%`}
                  </span>
                )}
              </td>
              <td className="font-mono text-xs">{s.workerIdentity ?? "—"}</td>
              <td className="max-w-xs text-xs">
                {s.error ? (
                  <span className="text-rose-700" title={s.error}>
                    {s.error}
                  </span>
                ) : (
                  <span className="text-slate-500">{s.cacheReason ?? ""}</span>
                )}
                {s.approval && (
                  <span className="block text-slate-500">
                    {s.approval.approved ? "approved" : "rejected"} by {s.approval.by}
                  </span>
                )}
              </td>
              <td className="space-x-1 text-right whitespace-nowrap">
                {s.status === "awaiting_approval" && (
                  <>
                    <Button
                      size="sm"
                      disabled={approve.isPending}
                      onClick={() => approve.mutate({ runId, stepId: s.stepId, approved: true })}
                    >
                      Approve
                    </Button>
                    <Button
                      size="sm"
                      variant="danger"
                      disabled={approve.isPending}
                      onClick={() => approve.mutate({ runId, stepId: s.stepId, approved: false })}
                    >
                      Reject
                    </Button>
                  </>
                )}
                {!active.has(r.status) && !stepActive.has(s.status) && (
                  <Button
                    size="sm"
                    variant="secondary"
                    disabled={resume.isPending}
                    onClick={() => resume.mutate({ runId, fromStep: s.stepId })}
                  >
                    Re-run from here
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <StepLogs runId={runId} steps={r.steps.map((s) => s.stepId)} live={active.has(r.status)} />
      <Experiments runId={runId} refresh={active.has(r.status)} />
    </div>
  );
}
