"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
import { useEditor, type StepLiveStatus } from "./store";

const activeStatuses = new Set(["queued", "running"]);

/** Run dialog, live status polling while a run is active, cancel and retry. */
export function RunControls({ save }: { save: () => Promise<string | null> }) {
  const trpc = useTRPC();
  const dialog = useRef<HTMLDialogElement>(null);
  const [cache, setCache] = useState(true);
  const [runId, setRunId] = useState<string | null>(null);
  const setRunStatus = useEditor((s) => s.setRunStatus);
  const start = useMutation(
    trpc.runs.start.mutationOptions({ onSuccess: (r) => setRunId(r.runId) }),
  );
  const cancel = useMutation(trpc.runs.cancel.mutationOptions());
  const resume = useMutation(
    trpc.runs.resume.mutationOptions({ onSuccess: (r) => setRunId(r.runId) }),
  );
  const run = useQuery(
    trpc.runs.get.queryOptions(
      { runId: runId ?? "00000000-0000-0000-0000-000000000000" },
      {
        enabled: runId !== null,
        refetchInterval: (q) =>
          q.state.data && !activeStatuses.has(q.state.data.status) ? false : 1000,
      },
    ),
  );

  useEffect(() => {
    if (!run.data) return;
    const status: Record<string, StepLiveStatus> = {};
    for (const s of run.data.steps) {
      status[s.stepId] = {
        status: s.status,
        error: s.error,
        startedAt: s.startedAt ? new Date(s.startedAt).toISOString() : null,
        finishedAt: s.finishedAt ? new Date(s.finishedAt).toISOString() : null,
        cacheReason: s.cacheReason,
        outputs: s.outputs,
        waiting: s.waiting,
      };
    }
    setRunStatus(status);
  }, [run.data, setRunStatus]);

  const setStoreRunId = useEditor((s) => s.setRunId);
  const runNodeRequest = useEditor((s) => s.runNodeRequest);
  const requestNodeRun = useEditor((s) => s.requestNodeRun);
  useEffect(() => setStoreRunId(runId), [runId, setStoreRunId]);
  useEffect(() => {
    if (!runNodeRequest) return;
    requestNodeRun(null);
    void save().then((pipelineId) => {
      if (pipelineId) start.mutate({ pipelineId, only: runNodeRequest });
    });
  }, [runNodeRequest, requestNodeRun, save, start]);

  const submit = async () => {
    const pipelineId = await save();
    dialog.current?.close();
    if (pipelineId) start.mutate({ pipelineId, cache });
  };
  const status = run.data?.status;
  const error = start.error ?? cancel.error ?? resume.error;

  return (
    <div className="flex items-center gap-2">
      <Button
        size="sm"
        onClick={() => dialog.current?.showModal()}
        disabled={status !== undefined && activeStatuses.has(status)}
      >
        Run…
      </Button>
      {runId && status && (
        <span
          className="flex items-center gap-1 text-xs"
          data-testid="editor-run-status"
          data-status={status}
        >
          <StatusBadge status={status} />
          <a href={`/runs/${runId}`} className="text-sky-700 hover:underline">
            details
          </a>
        </span>
      )}
      {runId && status && activeStatuses.has(status) && (
        <Button size="sm" variant="secondary" onClick={() => cancel.mutate({ runId })}>
          Cancel run
        </Button>
      )}
      {runId && (status === "failed" || status === "cancelled") && (
        <Button size="sm" variant="secondary" onClick={() => resume.mutate({ runId })}>
          Retry from failed
        </Button>
      )}
      {error && <span className="text-xs text-rose-700">{error.message}</span>}
      <dialog
        ref={dialog}
        aria-labelledby="run-dialog-title"
        className="rounded-lg p-0 backdrop:bg-slate-900/30"
      >
        <form
          method="dialog"
          className="w-80 space-y-4 p-5"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <h2 id="run-dialog-title" className="text-base font-semibold">
            Run pipeline
          </h2>
          <p className="text-xs text-slate-600">
            Unsaved changes are saved as a new version first.
          </p>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={cache} onChange={(e) => setCache(e.target.checked)} />
            Reuse cached outputs of unchanged steps
          </label>
          <div className="flex justify-end gap-2">
            <Button
              type="button"
              variant="secondary"
              size="sm"
              onClick={() => dialog.current?.close()}
            >
              Cancel
            </Button>
            <Button type="submit" size="sm" disabled={start.isPending}>
              Start run
            </Button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
