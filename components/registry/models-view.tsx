"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/components/trpc";

interface Scores {
  accuracy?: number;
  rocAuc?: number | null;
  macro?: { f1: number };
  rmse?: number;
  r2?: number;
}

const fmt = (v: number | null | undefined) => (typeof v === "number" ? v.toFixed(4) : "—");

/** Registered models, each with its versions' metrics side by side, aliases and lineage. */
export function ModelsView() {
  const trpc = useTRPC();
  const models = useQuery(trpc.models.list.queryOptions());
  const history = useQuery(trpc.models.history.queryOptions());
  if (models.isPending) return <p className="text-sm text-slate-500">Loading models…</p>;
  if (models.isError) return <p className="text-sm text-rose-700">{models.error.message}</p>;
  if (!models.data.length)
    return <p className="text-sm text-slate-500">No models yet: a Deploy node registers one.</p>;
  return (
    <div className="space-y-6">
      {models.data.map((m) => (
        <section key={m.id} className="space-y-2" data-model={m.name}>
          <h2 className="text-lg font-semibold">{m.name}</h2>
          <table className="w-full text-sm" aria-label={`Versions of ${m.name}`}>
            <thead>
              <tr className="border-b border-slate-200 text-left text-slate-500">
                <th className="py-1">Version</th>
                <th>Aliases</th>
                <th>Algorithm</th>
                <th>Validation</th>
                <th>Train</th>
                <th>Lineage</th>
                <th>Registered</th>
              </tr>
            </thead>
            <tbody>
              {m.versions.map((v) => {
                const metrics = v.metrics as { train?: Scores; validation?: Scores };
                const line = (s?: Scores) =>
                  s
                    ? s.rmse !== undefined
                      ? `RMSE ${fmt(s.rmse)} · R² ${fmt(s.r2)}`
                      : `acc ${fmt(s.accuracy)} · AUC ${fmt(s.rocAuc)} · F1 ${fmt(s.macro?.f1)}`
                    : "—";
                const lineage = v.lineage as { runId?: string; stepId?: string; train?: string };
                return (
                  <tr key={v.id} className="border-b border-slate-100">
                    <td className="py-1 font-medium">v{v.version}</td>
                    <td>
                      {v.aliases.map((a) => (
                        <span
                          key={a}
                          className="mr-1 rounded bg-sky-100 px-1.5 text-xs text-sky-800"
                        >
                          {a}
                        </span>
                      ))}
                    </td>
                    <td className="font-mono text-xs">{v.algorithm}</td>
                    <td className="text-xs">{line(metrics.validation)}</td>
                    <td className="text-xs text-slate-500">{line(metrics.train)}</td>
                    <td className="text-xs">
                      {lineage.runId && (
                        <Link className="text-sky-700 underline" href={`/runs/${lineage.runId}`}>
                          run, step {lineage.stepId}
                        </Link>
                      )}
                      <span className="block font-mono text-slate-400" title={v.artifactHash}>
                        {v.artifactHash.slice(0, 12)}
                      </span>
                    </td>
                    <td className="text-xs text-slate-500">
                      {new Date(v.createdAt).toLocaleString()}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <details className="text-xs">
            <summary className="cursor-pointer text-slate-600">Serving history</summary>
            <ul className="mt-1 space-y-0.5">
              {(history.data ?? [])
                .filter((h) => h.modelId === m.id)
                .map((h) => (
                  <li key={h.id}>
                    {new Date(h.at).toLocaleString()}: {h.action}
                    {h.alias && ` (${h.alias})`} → version{" "}
                    {m.versions.find((v) => v.id === h.versionId)?.version ?? "?"} by {h.actor}
                  </li>
                ))}
            </ul>
          </details>
        </section>
      ))}
    </div>
  );
}
