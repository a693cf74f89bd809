"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
import { atLeast } from "@/common/roles";
import { formatDuration } from "./duration";
import { Experiments } from "./experiments";
import { RunDag } from "./run-dag";
import { StepLogs } from "./step-logs";
import { Timeline } from "./timeline";
import { liveRunStatuses } from "@/common/run-status";
import { ApprovalPanel } from "./approval-panel";
import { DiffList } from "./diff-list";

const stepActive = new Set(["pending", "awaiting_approval", "queued", "running"]);

function isProgress(p: unknown): p is { done: number; total: number; unit?: string } {
  return typeof p === "object" && p !== null && "done" in p && "total" in p;
}

type Outputs = Record<string, { hash: string; kind: string; sizeBytes: number }>;

function isOutputs(o: unknown): o is Outputs {
  return typeof o === "object" && o !== null && !Array.isArray(o);
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Every artifact the run's steps produced or reused, each downloadable. */
function Artifacts({
  runId,
  steps,
}: {
  runId: string;
  steps: { stepId: string; outputs?: unknown }[];
}) {
  const rows = steps.flatMap((s) =>
    isOutputs(s.outputs)
      ? Object.entries(s.outputs).map(([port, ref]) => ({ stepId: s.stepId, port, ...ref }))
      : [],
  );
  if (!rows.length) return null;
  return (
    <section aria-label="Artifacts" className="space-y-2">
      <h2 className="text-lg font-semibold">Artifacts</h2>
      <table className="w-full border-collapse text-sm">
        <thead>
          <tr className="border-b border-slate-200 text-left text-slate-500">
            <th className="py-2">Step</th>
            <th>Output</th>
            <th>Kind</th>
            <th>Size</th>
            <th>Hash</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={`${a.stepId}.${a.port}`} className="border-b border-slate-100">
              <td className="py-1.5 font-medium">{a.stepId}</td>
              <td>{a.port}</td>
              <td>{a.kind}</td>
              <td>{formatBytes(a.sizeBytes)}</td>
              <td className="font-mono text-xs text-slate-500" title={a.hash}>
                {a.hash.slice(0, 12)}
              </td>
              <td className="space-x-3 text-right">
                {a.kind === "model" && <RegisterModel runId={runId} stepId={a.stepId} />}
                {a.kind === "dataset" && (
                  <a
                    href={`/datasets/${a.hash}?name=${encodeURIComponent(`${a.stepId} · ${a.port}`)}`}
                    className="text-sky-700 hover:underline"
                    aria-label={`View ${a.stepId} ${a.port}`}
                  >
                    View
                  </a>
                )}
                <a
                  href={`/api/artifacts/${a.hash}`}
                  className="text-sky-700 hover:underline"
                  download
                  aria-label={`Download ${a.stepId} ${a.port}`}
                >
                  Download
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Registers a trained model as a version without deploying it; the Models page deploys it. */
function RegisterModel({ runId, stepId }: { runId: string; stepId: string }) {
  const trpc = useTRPC();
  const register = useMutation(trpc.models.register.mutationOptions());
  const [name, setName] = useState<string | null>(null);
  if (register.data)
    return (
      <Link href="/models" className="text-emerald-700 hover:underline">
        Registered as {register.data.modelName} v{register.data.version}
      </Link>
    );
  if (name === null)
    return (
      <Button size="sm" variant="secondary" onClick={() => setName(stepId.toLowerCase())}>
        Register…
      </Button>
    );
  return (
    <form
      className="inline-flex items-center gap-2"
      aria-label={`Register the model of ${stepId}`}
      onSubmit={(e) => {
        e.preventDefault();
        register.mutate({ runId, stepId, modelName: name });
      }}
    >
      <input
        aria-label="Model name"
        className="w-40 rounded border border-slate-300 px-2 py-1 text-sm"
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <Button size="sm" type="submit" disabled={!name || register.isPending}>
        Register
      </Button>
      {register.error && <span className="text-rose-700">{register.error.message}</span>}
    </form>
  );
}

const tagPattern = /^[\w.:-]{1,40}$/;

/** The run's tags, editable in place (space or comma separated). */
function Tags({ runId, tags }: { runId: string; tags: string[] }) {
  const trpc = useTRPC();
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<string[] | null>(null);
  const save = useMutation(
    trpc.history.setTags.mutationOptions({
      onSuccess: (r) => {
        setSaved(r.tags);
        setEditing(null);
      },
    }),
  );
  const current = saved ?? tags;
  if (editing === null)
    return (
      <span className="flex flex-wrap items-center gap-1">
        {current.map((t) => (
          <span key={t} className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">
            {t}
          </span>
        ))}
        <Button size="sm" variant="secondary" onClick={() => setEditing(current.join(" "))}>
          Edit tags
        </Button>
      </span>
    );
  const next = editing.split(/[\s,]+/).filter(Boolean);
  const invalid = next.filter((t) => !tagPattern.test(t));
  return (
    <form
      className="flex flex-wrap items-center gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (!invalid.length && next.length <= 10) save.mutate({ runId, tags: next });
      }}
    >
      <label className="flex items-center gap-1 text-xs text-slate-500">
        Tags
        <input
          value={editing}
          onChange={(e) => setEditing(e.target.value)}
          className="rounded border border-slate-300 px-2 py-1 text-sm text-slate-900"
          placeholder="nightly baseline"
          autoFocus
        />
      </label>
      <Button size="sm" type="submit" disabled={save.isPending || invalid.length > 0}>
        Save tags
      </Button>
      <Button size="sm" variant="secondary" type="button" onClick={() => setEditing(null)}>
        Cancel
      </Button>
      {invalid.length > 0 && (
        <span className="text-xs text-rose-700">
          Tags use letters, digits and . _ : - (at most 40): {invalid.join(", ")}
        </span>
      )}
      {next.length > 10 && <span className="text-xs text-rose-700">At most 10 tags</span>}
      {save.error && <span className="text-xs text-rose-700">{save.error.message}</span>}
    </form>
  );
}

/** What the pipeline's graph changed between the previous run's version and this one's. */
function Changes({
  pipelineId,
  version,
  previous,
}: {
  pipelineId: string;
  version: number;
  previous: { runId: string; version: number } | null;
}) {
  const trpc = useTRPC();
  const differs = previous !== null && previous.version !== version;
  const diff = useQuery({
    ...trpc.pipelines.diff.queryOptions({
      pipelineId,
      from: previous?.version ?? version,
      to: version,
    }),
    enabled: differs,
  });
  if (!previous) return null;
  const d = diff.data;
  return (
    <section aria-label="Changes since the previous run" className="space-y-2">
      <h2 className="text-lg font-semibold">Changes since the previous run</h2>
      <p className="text-sm text-slate-500">
        Previous run:{" "}
        <Link href={`/runs/${previous.runId}`} className="font-mono text-sky-700 hover:underline">
          {previous.runId.slice(0, 8)}
        </Link>{" "}
        (v{previous.version}
        {differs ? ` → v${version}` : ", the same version"})
      </p>
      {differs && diff.isPending && <p className="text-sm text-slate-500">Loading changes…</p>}
      {diff.isError && <p className="text-sm text-rose-700">{diff.error.message}</p>}
      {d && d.identical && <p className="text-sm text-slate-500">Only canvas positions changed.</p>}
      {d && !d.identical && <DiffList diff={d} testId="run-changes" />}
    </section>
  );
}

export function RunView({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const run = useQuery(
    trpc.runs.get.queryOptions(
      { runId },
      {
        refetchInterval: (q) =>
          q.state.data && !liveRunStatuses.has(q.state.data.status) ? false : 1000,
      },
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
  const me = useQuery(trpc.me.get.queryOptions());
  const settings = useQuery(trpc.workspaces.settings.queryOptions());
  const graph = useQuery(trpc.history.graph.queryOptions({ runId }));
  const steps = run.data?.steps;
  const statuses = useMemo(
    () => Object.fromEntries((steps ?? []).map((s) => [s.stepId, s.status])),
    [steps],
  );
  if (run.isPending) return <p className="text-sm text-slate-500">Loading run…</p>;
  if (run.isError) return <p className="text-sm text-rose-700">{run.error.message}</p>;
  const r = run.data;
  const error = cancel.error ?? approve.error ?? resume.error;
  const role = me.data?.principal?.role;
  const canApprove = role !== undefined && atLeast(role, "manager");
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold">
          {r.pipelineName} <span className="text-slate-400">v{r.version}</span>
        </h1>
        <StatusBadge status={r.status} className="text-sm" data-testid="run-status" />
        {liveRunStatuses.has(r.status) && (
          <Button
            variant="secondary"
            size="sm"
            disabled={cancel.isPending}
            onClick={() => cancel.mutate({ runId })}
          >
            Cancel
          </Button>
        )}
        {(r.status === "failed" || r.status === "rejected" || r.status === "cancelled") && (
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
        <dt className="text-slate-500">Started by</dt>
        <dd data-testid="run-started-by">{r.startedBy ?? `a ${r.trigger}`}</dd>
        {graph.data && (
          <>
            <dt className="text-slate-500">Tags</dt>
            <dd className="sm:col-span-3">
              <Tags runId={runId} tags={graph.data.tags} />
            </dd>
          </>
        )}
      </dl>
      {r.error && (
        <p className="rounded border border-rose-200 bg-rose-50 p-3 text-sm text-rose-800">
          {r.error}
        </p>
      )}
      {r.steps
        .filter((s) => s.status === "awaiting_approval" && s.nodeType === "deploy.endpoint")
        .map((s) => (
          <ApprovalPanel key={s.stepId} runId={runId} stepId={s.stepId} />
        ))}
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
                ) : s.waiting ? (
                  <span className="text-amber-700" role="status" data-testid="step-waiting">
                    {s.waiting}
                  </span>
                ) : (
                  <span className="text-slate-500">{s.cacheReason ?? ""}</span>
                )}
                {s.approval && (
                  <span className="block text-slate-500" data-testid="approval-record">
                    {s.approval.approved ? "approved" : "rejected"} by {s.approval.by}
                    {s.approval.comment ? `: “${s.approval.comment}”` : ""}
                  </span>
                )}
              </td>
              <td className="space-x-1 text-right whitespace-nowrap">
                {s.status === "awaiting_approval" && me.data && !canApprove && (
                  <span className="text-xs text-slate-500">awaiting a manager&apos;s approval</span>
                )}
                {s.status === "awaiting_approval" && canApprove && (
                  <Decision
                    ownRun={Boolean(
                      settings.data?.fourEyes &&
                      r.triggeredBy &&
                      r.triggeredBy === me.data?.user.id,
                    )}
                    pending={approve.isPending}
                    onDecide={(approved, comment) =>
                      approve.mutate({ runId, stepId: s.stepId, approved, comment })
                    }
                  />
                )}
                {!liveRunStatuses.has(r.status) && !stepActive.has(s.status) && (
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
      {graph.data && (
        <RunDag nodes={graph.data.nodes} edges={graph.data.edges} statuses={statuses} />
      )}
      <Timeline steps={r.steps} />
      <Artifacts runId={runId} steps={r.steps} />
      {graph.data && (
        <Changes pipelineId={r.pipelineId} version={r.version} previous={graph.data.previous} />
      )}
      <StepLogs
        runId={runId}
        steps={r.steps.map((s) => s.stepId)}
        live={liveRunStatuses.has(r.status)}
      />
      <Experiments runId={runId} refresh={liveRunStatuses.has(r.status)} />
    </div>
  );
}

/**
 * A manager's decision on a gated step: Approve or Reject opens a comment box and a confirmation,
 * so a decision is never one stray click. Under four eyes, whoever started the run cannot approve.
 */
function Decision({
  ownRun,
  pending,
  onDecide,
}: {
  ownRun: boolean;
  pending: boolean;
  onDecide: (approved: boolean, comment: string | undefined) => void;
}) {
  const [choice, setChoice] = useState<"approve" | "reject" | null>(null);
  const [comment, setComment] = useState("");
  if (choice)
    return (
      <span className="inline-flex flex-col items-end gap-1 text-left whitespace-normal">
        <textarea
          aria-label={choice === "approve" ? "Approval comment" : "Reason for rejecting"}
          className="w-64 rounded border border-slate-300 px-2 py-1 text-xs"
          rows={2}
          maxLength={2000}
          placeholder={choice === "approve" ? "Comment (optional)" : "Why (optional)"}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
        />
        <span className="space-x-1">
          <Button size="sm" variant="secondary" onClick={() => setChoice(null)}>
            Back
          </Button>
          <Button
            size="sm"
            variant={choice === "approve" ? "primary" : "danger"}
            disabled={pending}
            onClick={() => onDecide(choice === "approve", comment.trim() || undefined)}
          >
            {choice === "approve" ? "Confirm approval" : "Confirm rejection"}
          </Button>
        </span>
      </span>
    );
  return (
    <>
      {ownRun && (
        <span
          className="mb-1 ml-auto block max-w-56 text-right text-xs whitespace-normal text-slate-500"
          data-testid="four-eyes"
        >
          Four eyes: you started this run; another manager approves it.
        </span>
      )}
      <Button size="sm" disabled={pending || ownRun} onClick={() => setChoice("approve")}>
        Approve
      </Button>
      <Button size="sm" variant="danger" disabled={pending} onClick={() => setChoice("reject")}>
        Reject
      </Button>
    </>
  );
}
