"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
import { problemText } from "./problems";
import { useEditor, type StepLiveStatus } from "./store";
import { isPipelineNode } from "./document";
import { liveRunStatuses } from "@/common/run-status";


/**
 * Run dialog, live status polling while a run is active, cancel and retry. On an invalid pipeline
 * the dialog lists what to fix instead (each problem selects its node) and offers no Start.
 */
export function RunControls({
  save,
  onFocus,
}: {
  save: () => Promise<string | null>;
  onFocus: (nodeId: string) => void;
}) {
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
          q.state.data && !liveRunStatuses.has(q.state.data.status) ? false : 1000,
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
  const problems = useEditor((s) => s.errors);
  const nodeNames = useEditor((s) => s.nodes);
  const nameOf = (id: string) => {
    const n = nodeNames.find((x) => x.id === id);
    return (n && isPipelineNode(n) ? n.data.label : undefined) || id;
  };

  return (
    <div className="flex items-center gap-2">
      <Button
        size="sm"
        onClick={() => dialog.current?.showModal()}
        disabled={status !== undefined && liveRunStatuses.has(status)}
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
      {runId && status && liveRunStatuses.has(status) && (
        <Button size="sm" variant="secondary" onClick={() => cancel.mutate({ runId })}>
          Cancel run
        </Button>
      )}
      {runId && (status === "failed" || status === "rejected" || status === "cancelled") && (
        <Button size="sm" variant="secondary" onClick={() => resume.mutate({ runId })}>
          Retry from failed
        </Button>
      )}
      {error && <span className="text-xs text-rose-700">{error.message}</span>}
      <dialog
        ref={dialog}
        aria-labelledby="run-dialog-title"
        className="m-auto rounded-lg p-0 shadow-xl backdrop:bg-slate-900/30"
      >
        {problems.length > 0 ? (
          <div className="w-[28rem] max-w-[90vw] space-y-3 p-5" data-testid="run-problems">
            <h2 id="run-dialog-title" className="text-base font-semibold">
              Fix {problems.length === 1 ? "this problem" : `these ${problems.length} problems`}{" "}
              before running
            </h2>
            <ul className="max-h-80 space-y-1 overflow-y-auto text-sm">
              {problems.map((p, i) => (
                <li key={i}>
                  {p.nodeId ? (
                    <button
                      type="button"
                      className="w-full rounded px-2 py-1 text-left hover:bg-rose-50 focus-visible:outline-2 focus-visible:outline-sky-500"
                      onClick={() => {
                        dialog.current?.close();
                        onFocus(p.nodeId!);
                      }}
                    >
                      <span className="font-semibold text-slate-800">{nameOf(p.nodeId)}</span>
                      <span className="text-slate-400"> · </span>
                      <span className="text-rose-800">{problemText(p)}</span>
                    </button>
                  ) : (
                    <span className="block px-2 py-1 text-rose-800">{p.message}</span>
                  )}
                </li>
              ))}
            </ul>
            <div className="flex justify-end">
              <Button
                type="button"
                variant="secondary"
                size="sm"
                onClick={() => dialog.current?.close()}
              >
                Close
              </Button>
            </div>
          </div>
        ) : (
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
        )}
      </dialog>
    </div>
  );
}
