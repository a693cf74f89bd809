"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Button } from "@/components/ui/button";
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
                <th />
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
                    <td className="py-1 font-medium">
                      v{v.version}{" "}
                      <Link
                        className="text-xs font-normal text-sky-700 underline"
                        href={`/models/versions/${v.id}`}
                      >
                        Model card
                      </Link>
                    </td>
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
                    <td className="text-right">
                      <DeployVersion versionId={v.id} model={m.name} version={v.version} />
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

/** Serves a registered version on an endpoint; a new endpoint's key is shown once. */
function DeployVersion(props: { versionId: string; model: string; version: number }) {
  const trpc = useTRPC();
  const deploy = useMutation(trpc.models.deploy.mutationOptions());
  const [endpoint, setEndpoint] = useState<string | null>(null);
  const [alias, setAlias] = useState<"staging" | "production">("staging");
  if (deploy.data)
    return (
      <span className="text-xs">
        <Link
          className="text-emerald-700 hover:underline"
          href={`/deployments/${deploy.data.deploymentId}`}
        >
          Serving on {endpoint}
        </Link>
        {deploy.data.apiKey && (
          <span className="block" data-testid="api-key">
            key (shown once): <code className="font-mono">{deploy.data.apiKey}</code>
          </span>
        )}
      </span>
    );
  if (endpoint === null)
    return (
      <Button size="sm" variant="secondary" onClick={() => setEndpoint(props.model)}>
        Deploy…
      </Button>
    );
  return (
    <form
      className="inline-flex flex-wrap items-center justify-end gap-2 text-xs"
      aria-label={`Deploy ${props.model} v${props.version}`}
      onSubmit={(e) => {
        e.preventDefault();
        deploy.mutate({ versionId: props.versionId, endpoint, alias });
      }}
    >
      <input
        aria-label="Endpoint name"
        className="w-36 rounded border border-slate-300 px-2 py-1"
        value={endpoint}
        onChange={(e) => setEndpoint(e.target.value)}
      />
      <select
        aria-label="Alias"
        className="rounded border border-slate-300 px-1 py-1"
        value={alias}
        onChange={(e) => setAlias(e.target.value as "staging" | "production")}
      >
        <option value="staging">staging</option>
        <option value="production">production</option>
      </select>
      <Button size="sm" type="submit" disabled={!endpoint || deploy.isPending}>
        Deploy
      </Button>
      {deploy.error && <span className="text-rose-700">{deploy.error.message}</span>}
    </form>
  );
}
