"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/components/trpc";
import { DiffList } from "./diff-list";

const fmt = (v: number | null) =>
  v === null ? "—" : Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4);

const lowerIsBetter = /(^|\.)(logLoss|rmse|mae)$/;

function Delta({ name, delta }: { name: string; delta: number | null }) {
  if (delta === null || delta === 0) return <span className="text-slate-400">—</span>;
  const better = lowerIsBetter.test(name) ? delta < 0 : delta > 0;
  return (
    <span className={better ? "text-emerald-700" : "text-rose-700"}>
      {delta > 0 ? "+" : ""}
      {fmt(delta)}
    </span>
  );
}

/**
 * What a manager decides on, for one step that waits: who asks, the candidate's test metrics
 * beside production's, the pipeline's changes since production's version, the training data and
 * its drift from production's reference.
 */
export function ApprovalPanel({ runId, stepId }: { runId: string; stepId: string }) {
  const trpc = useTRPC();
  const ctx = useQuery(
    trpc.runs.approvalContext.queryOptions(
      { runId, stepId },
      {
        // An Evaluate step beside the deploy may still be scoring when the deploy starts waiting.
        refetchInterval: (q) =>
          q.state.data?.status === "awaiting_approval" && !q.state.data.candidate.evaluation
            ? 3000
            : false,
      },
    ),
  );
  if (ctx.isPending) return <p className="text-sm text-slate-500">Loading what to decide on…</p>;
  if (ctx.isError) return <p className="text-sm text-rose-700">{ctx.error.message}</p>;
  const c = ctx.data;
  const drifted = c.drift?.filter((d) => !d.missing && d.drifted) ?? [];
  return (
    <section
      aria-label={`Decision on ${stepId}`}
      className="space-y-4 rounded border border-violet-200 bg-violet-50/40 p-4 text-sm"
      data-testid="approval-context"
    >
      <header>
        <h2 className="text-lg font-semibold">
          Decision: deploy {c.target.model ? <b>{c.target.model}</b> : stepId}
          {c.target.alias && <> to {c.target.alias}</>}
          {c.target.endpoint && (
            <span className="font-normal text-slate-500"> on /v2/models/{c.target.endpoint}</span>
          )}
        </h2>
        <p className="text-slate-600">
          Asked by {c.asked.by ?? `a ${c.asked.trigger}`}
          {c.asked.waitingSince && (
            <>, waiting since {new Date(c.asked.waitingSince).toLocaleString()}</>
          )}
          .
        </p>
      </header>

      <div>
        <h3 className="font-medium">Test metrics</h3>
        {c.metrics.length === 0 ? (
          <p className="text-slate-500">
            No evaluation of this model: add an Evaluate step on its test split to see its numbers
            here.
          </p>
        ) : (
          <table className="mt-1 w-full max-w-2xl text-left" data-testid="approval-metrics">
            <thead className="text-slate-500">
              <tr>
                <th className="py-1 font-normal">Metric</th>
                <th className="font-normal">Candidate (this run)</th>
                <th className="font-normal">
                  {c.production ? `Production (v${c.production.version})` : "Production"}
                </th>
                <th className="font-normal">Change</th>
              </tr>
            </thead>
            <tbody>
              {c.metrics.map((m) => (
                <tr key={m.name} className="border-t border-violet-100" data-metric={m.name}>
                  <td className="py-1 font-mono text-xs">{m.name}</td>
                  <td>{fmt(m.candidate)}</td>
                  <td>{fmt(m.production)}</td>
                  <td>
                    <Delta name={m.name} delta={m.delta} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="mt-1 text-xs text-slate-500" data-testid="approval-test-rows">
          {!c.production
            ? `Nothing serves as ${c.target.alias ?? "production"} for this model yet: this would be its first version there.`
            : c.sameTestRows === true
              ? "Both were evaluated on the same test rows."
              : c.sameTestRows === false
                ? "Evaluated on different test rows: compare with care."
                : "Production's version has no recorded evaluation."}
        </p>
      </div>

      {c.changes && (
        <div>
          <h3 className="font-medium">
            Pipeline changes since production&apos;s version
            <span className="font-normal text-slate-500">
              {" "}
              ({c.changes.samePipeline ? "" : `${c.changes.fromPipeline} `}v{c.changes.fromVersion}{" "}
              → v{c.changes.toVersion})
            </span>
          </h3>
          {c.changes.diff.identical ? (
            <p className="text-slate-500" data-testid="approval-changes">
              {c.changes.fromVersion === c.changes.toVersion && c.changes.samePipeline
                ? "The same pipeline version produced production's model."
                : "Only canvas positions changed."}
            </p>
          ) : (
            <DiffList diff={c.changes.diff} testId="approval-changes" />
          )}
        </div>
      )}

      {c.data && (
        <div>
          <h3 className="font-medium">
            Training data{" "}
            <span className="font-normal text-slate-500">
              ({c.data.rows.toLocaleString()} rows, {c.data.columns.length} columns) ·{" "}
              <Link href={`/datasets/${c.data.hash}`} className="text-sky-700 hover:underline">
                View
              </Link>
            </span>
          </h3>
          <table className="mt-1 w-full text-left text-xs" data-testid="approval-data">
            <thead className="text-slate-500">
              <tr>
                <th className="py-1 font-normal">Column</th>
                <th className="font-normal">Type</th>
                <th className="font-normal">Missing</th>
                <th className="font-normal">Distinct</th>
                <th className="font-normal">Range</th>
                <th className="font-normal">Drift vs production (PSI)</th>
              </tr>
            </thead>
            <tbody>
              {c.data.columns.map((col) => {
                const d = c.drift?.find((x) => x.feature === col.name);
                return (
                  <tr key={col.name} className="border-t border-violet-100">
                    <td className="py-0.5 font-mono">{col.name}</td>
                    <td>{col.type.toLowerCase()}</td>
                    <td>
                      {col.nulls
                        ? `${col.nulls} (${((100 * col.nulls) / Math.max(1, c.data!.rows)).toFixed(1)}%)`
                        : "0"}
                    </td>
                    <td>{col.distinct}</td>
                    <td>
                      {col.min ?? "—"} … {col.max ?? "—"}
                    </td>
                    <td data-testid={d && !d.missing ? `drift-${col.name}` : undefined}>
                      {!d ? (
                        <span className="text-slate-400">—</span>
                      ) : d.missing ? (
                        "not in the data"
                      ) : (
                        <span
                          className={d.drifted ? "font-medium text-rose-700" : "text-slate-700"}
                        >
                          {d.psi.toFixed(3)}
                          {d.drifted ? " drifted" : ""}
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="mt-1 text-xs text-slate-500">
            {c.drift === null
              ? "Production keeps no reference distributions, so drift is not measured."
              : drifted.length
                ? `${drifted.length} of the model's inputs drifted from production's training data (PSI above 0.2 or KS p below 0.01).`
                : "No input drifted from production's training data (PSI at most 0.2, KS p at least 0.01)."}
          </p>
        </div>
      )}
    </section>
  );
}
