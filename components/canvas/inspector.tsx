"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { MetricsView, ModelSummary } from "@/components/charts/metrics-view";
import { useShallow } from "zustand/react/shallow";
import { useTRPC } from "@/components/trpc";
import type { useDesignColumns } from "./use-design-columns";
import { StatusBadge } from "@/components/ui/status-badge";
import { CodeEditor } from "@/components/code/code-editor";
import { ejectProblem } from "@/nodes/eject";
import { getNodeDefinition } from "@/nodes/index";
import { atLeast } from "@/common/roles";
import { isBundle } from "@/common/pipeline/bundles";
import { definitionOf, isPipelineNode, shapeOfNode, type PipelineFlowNode } from "./document";
import { ParamForm, SAVE_EVENT } from "./param-form";
import { useEditor } from "./store";

/** A code node's failure as a marker on its line: the step's error names it ("…: line 3: …"). */
function codeProblemsOf(error: string | null | undefined) {
  const m = error ? /\bline (\d+): (.*)$/s.exec(error) : null;
  return m ? [{ line: Number(m[1]), message: m[2]!.slice(0, 2000) }] : undefined;
}

function DatasetPreview({ hash }: { hash: string }) {
  const trpc = useTRPC();
  const preview = useQuery(trpc.artifacts.dataset.queryOptions({ hash, limit: 20 }));
  if (preview.isPending) return <p className="text-xs text-slate-500">Loading…</p>;
  if (preview.isError) return <p className="text-xs text-rose-700">{preview.error.message}</p>;
  const { rows, rowCount, schema } = preview.data;
  return (
    <div
      className="max-h-64 overflow-auto rounded border border-slate-200"
      data-testid="dataset-preview"
    >
      <p className="flex justify-between px-2 py-1 text-[11px] text-slate-500">
        <span>
          {rowCount} rows · {schema.length} columns
        </span>
        <a
          href={`/datasets/${hash}`}
          target="_blank"
          rel="noreferrer"
          className="text-sky-700 hover:underline"
        >
          View data
        </a>
      </p>
      <table className="text-[11px]">
        <thead>
          <tr>
            {schema.map((c) => (
              <th
                key={c.name}
                className="border-b border-slate-200 px-1 text-left font-medium whitespace-nowrap"
                title={c.type}
              >
                {c.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {schema.map((c) => (
                <td key={c.name} className="px-1 whitespace-nowrap text-slate-700">
                  {r[c.name] === null ? (
                    <span className="text-slate-400">null</span>
                  ) : typeof r[c.name] === "object" ? (
                    JSON.stringify(r[c.name])
                  ) : (
                    String(r[c.name] as string | number | boolean)
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function OutputPreview({ hash, kind }: { hash: string; kind?: string }) {
  if (kind === "dataset") return <DatasetPreview hash={hash} />;
  if (kind === "model") return <ModelSummary hash={hash} />;
  if (kind === "metrics") return <MetricsView hash={hash} fallback={<JsonPreview hash={hash} />} />;
  return <JsonPreview hash={hash} />;
}

function JsonPreview({ hash }: { hash: string }) {
  const trpc = useTRPC();
  const preview = useQuery(trpc.artifacts.preview.queryOptions({ hash }));
  if (preview.isPending) return <p className="text-xs text-slate-500">Loading…</p>;
  if (preview.isError) return <p className="text-xs text-rose-700">{preview.error.message}</p>;
  return (
    <pre
      className="max-h-48 overflow-auto rounded bg-slate-50 p-2 text-[11px]"
      data-testid="output-preview"
    >
      {preview.data.text}
      {preview.data.truncated ? "\n…" : ""}
    </pre>
  );
}

/** Turns a built-in node into a code node with the same id, ports and param values. */
function EjectButton({
  nodeId,
  type,
  onEjected,
}: {
  nodeId: string;
  type: string;
  onEjected: () => void;
}) {
  const trpc = useTRPC();
  const updateNode = useEditor((s) => s.updateNode);
  const params = useEditor((s) => {
    const n = s.nodes.find((x) => x.id === nodeId);
    return n && isPipelineNode(n) ? n.data.params : undefined;
  });
  const me = useQuery(trpc.me.get.queryOptions());
  const eject = useMutation(
    trpc.nodes.eject.mutationOptions({
      onSuccess: (node) => {
        updateNode(nodeId, { nodeType: node.type, params: node.params });
        onEjected();
      },
    }),
  );
  const def = getNodeDefinition(type);
  const problem = def ? ejectProblem(def) : `Unknown node type ${type}`;
  const role = me.data?.principal?.role;
  const allowed = role !== undefined && atLeast(role, "data_scientist");
  if (problem) return <p className="text-[11px] text-slate-500">{problem}.</p>;
  return (
    <div className="space-y-1">
      <Button
        size="sm"
        variant="secondary"
        disabled={!allowed || eject.isPending}
        title={
          allowed
            ? "Replace this node by a code node with the same ports and params, to edit its code"
            : "Code nodes need the Data scientist role"
        }
        onClick={() => eject.mutate({ type, params: params ?? {} })}
      >
        Eject to {def?.eject?.language === "python" ? "Python" : "TypeScript"} code
      </Button>
      {eject.error && <p className="text-xs text-rose-700">{eject.error.message}</p>}
      <p className="text-[11px] text-slate-500">
        The node keeps its id, connections and settings; save the pipeline to keep the change.
      </p>
    </div>
  );
}

/** A built-in node's implementation, read-only: what the node does, exactly. */
function NodeSource({ type }: { type: string }) {
  const trpc = useTRPC();
  const source = useQuery(trpc.nodes.source.queryOptions({ type }, { staleTime: Infinity }));
  const [file, setFile] = useState(0);
  if (source.isPending) return <p className="text-xs text-slate-500">Loading…</p>;
  if (source.isError) return <p className="text-xs text-rose-700">{source.error.message}</p>;
  const current = source.data.files[file];
  return (
    <div className="space-y-1" data-testid="node-source">
      <div className="flex gap-2 text-[11px]">
        {source.data.files.map((f, i) => (
          <button
            key={f.path}
            type="button"
            onClick={() => setFile(i)}
            className={i === file ? "font-semibold text-slate-900" : "text-sky-700"}
          >
            {f.path.split("/").pop()}
          </button>
        ))}
      </div>
      {current && (
        <div className="nokey">
          <CodeEditor
            key={current.path}
            value={current.text}
            language="typescript"
            label={current.path}
            readOnly
            height={420}
            // The editor keeps Ctrl/Cmd+S to itself: it still saves the pipeline.
            onSave={() => window.dispatchEvent(new Event(SAVE_EVENT))}
          />
        </div>
      )}
      <p className="text-[11px] text-slate-500">
        Built-in nodes are read-only: eject one to edit its code, or add a Python or TypeScript code
        node.
      </p>
    </div>
  );
}

export function Inspector({ design }: { design?: ReturnType<typeof useDesignColumns> }) {
  const trpc = useTRPC();
  const [tab, setTab] = useState<"settings" | "code">("settings");
  const selected = useEditor(
    useShallow((s) =>
      s.nodes.filter((n): n is PipelineFlowNode => n.selected === true && isPipelineNode(n)),
    ),
  );
  const updateNode = useEditor((s) => s.updateNode);
  const live = useEditor((s) => (selected.length === 1 ? s.runStatus[selected[0]!.id] : undefined));
  const runId = useEditor((s) => s.runId);
  const requestNodeRun = useEditor((s) => s.requestNodeRun);
  const diff = useEditor((s) => s.diff);
  const runStatus = useEditor((s) => s.runStatus);
  const incoming = useEditor(
    useShallow((s) =>
      selected.length === 1 ? s.edges.filter((e) => e.target === selected[0]!.id) : [],
    ),
  );

  // The first dataset input with a known artifact feeds the column pickers.
  const upstream = incoming
    .map((e) => {
      const outs = runStatus[e.source]?.outputs as
        Record<string, { hash: string; kind: string }> | null | undefined;
      const port = e.data?.sourcePort ?? e.sourceHandle ?? "";
      // A splits edge: the columns are train's.
      return outs?.[port] ?? (isBundle(port) ? outs?.train : undefined);
    })
    .find((ref) => ref?.kind === "dataset");
  const upstreamColumns = useQuery(
    trpc.artifacts.dataset.queryOptions(
      { hash: upstream?.hash ?? "0".repeat(64), limit: 1 },
      { enabled: Boolean(upstream), staleTime: Infinity },
    ),
  );

  if (selected.length !== 1) {
    return (
      <aside
        aria-label="Inspector"
        className="w-72 shrink-0 overflow-y-auto border-l border-slate-200 bg-white p-3 text-sm"
      >
        <p className="text-xs text-slate-500">
          {selected.length
            ? `${selected.length} nodes selected.`
            : "Select a node to edit its parameters."}
        </p>
        {diff && <DiffList />}
      </aside>
    );
  }
  const node = selected[0]!;
  const def = definitionOf(node);
  const isCode = def?.category === "code";
  const shape = shapeOfNode(node);
  // Known before running (probed and declared), else from the last run.
  const columns =
    design?.inputColumns(node.id)?.map((c) => c.name) ??
    upstreamColumns.data?.schema.map((c) => c.name);
  const given = node.data.params.params;
  const declaredValues =
    given && typeof given === "object" && !Array.isArray(given)
      ? (given as Record<string, unknown>)
      : {};
  const stale = shape?.params
    ? Object.keys(declaredValues).filter((k) => !(k in shape.params!.shape))
    : [];

  const outputs = (live?.outputs ?? null) as Record<string, { hash: string; kind: string }> | null;
  const inputs = incoming.flatMap((e) => {
    const ref = (
      runStatus[e.source]?.outputs as Record<string, { hash: string; kind: string }> | null
    )?.[e.sourceHandle ?? ""];
    return ref
      ? [{ port: e.targetHandle ?? "", from: `${e.source}.${e.sourceHandle ?? ""}`, ref }]
      : [];
  });
  return (
    <aside
      aria-label="Inspector"
      className={`${isCode || tab === "code" ? "w-[34rem]" : "w-72"} shrink-0 space-y-4 overflow-y-auto border-l border-slate-200 bg-white p-3 text-sm`}
    >
      <div>
        <h2 className="font-semibold">{def?.title ?? node.data.nodeType}</h2>
        <p className="font-mono text-[11px] text-slate-500">
          {node.id} · {node.data.nodeType} v{def?.version ?? "?"}
        </p>
        {def && <p className="mt-1 text-xs text-slate-600">{def.description}</p>}
        {live?.waiting && (
          <p
            className="mt-2 rounded border border-amber-200 bg-amber-50 p-2 text-xs text-amber-800"
            role="status"
          >
            {live.waiting}
          </p>
        )}
        {def && !isCode && (
          <div role="tablist" aria-label="Node view" className="mt-2 flex gap-3 text-xs">
            {(["settings", "code"] as const).map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                aria-selected={tab === t}
                onClick={() => setTab(t)}
                className={tab === t ? "font-semibold text-slate-900" : "text-sky-700"}
              >
                {t === "settings" ? "Settings" : "Code"}
              </button>
            ))}
          </div>
        )}
      </div>
      {def && !isCode && tab === "code" && (
        <>
          <EjectButton
            nodeId={node.id}
            type={node.data.nodeType}
            onEjected={() => setTab("settings")}
          />
          <NodeSource type={node.data.nodeType} />
        </>
      )}
      <div>
        <label htmlFor="node-label" className="mb-0.5 block text-xs font-medium text-slate-700">
          Label
        </label>
        <input
          id="node-label"
          className="w-full rounded border border-slate-300 px-2 py-1 text-sm focus-visible:outline-2 focus-visible:outline-sky-500"
          value={node.data.label ?? ""}
          maxLength={200}
          placeholder={node.id}
          onChange={(e) => updateNode(node.id, { label: e.target.value || undefined })}
        />
      </div>
      {tab === "code" && !isCode ? null : def ? (
        <>
          <ParamForm
            def={def}
            nodeId={node.id}
            params={node.data.params}
            onChange={(params) => updateNode(node.id, { params })}
            columns={columns}
            codeProblems={codeProblemsOf(live?.error)}
            hidden={shape?.params ? ["params"] : []}
          />
          {shape?.params && (
            <section aria-label="Params declared in the code" className="space-y-2">
              <h3 className="text-xs font-semibold text-slate-700">Params declared in the code</h3>
              <ParamForm
                def={{ params: shape.params }}
                nodeId={`${node.id}-code`}
                params={declaredValues}
                onChange={(values) =>
                  updateNode(node.id, { params: { ...node.data.params, params: values } })
                }
                columns={columns}
              />
              {stale.length > 0 && (
                <p className="text-xs text-amber-800" role="status">
                  Values for params the code no longer declares: {stale.join(", ")}.{" "}
                  <button
                    type="button"
                    className="text-sky-700 underline"
                    onClick={() =>
                      updateNode(node.id, {
                        params: {
                          ...node.data.params,
                          params: Object.fromEntries(
                            Object.entries(declaredValues).filter(([k]) => !stale.includes(k)),
                          ),
                        },
                      })
                    }
                  >
                    Remove them
                  </button>
                </p>
              )}
            </section>
          )}
        </>
      ) : (
        <p className="text-xs text-rose-700">Unknown node type {node.data.nodeType}.</p>
      )}
      <label className="flex items-center gap-2 text-xs">
        <input
          type="checkbox"
          checked={node.data.cache !== false}
          onChange={(e) => updateNode(node.id, { cache: e.target.checked ? undefined : false })}
        />
        Reuse cached outputs
      </label>
      <Button
        size="sm"
        variant="secondary"
        onClick={() => requestNodeRun(node.id)}
        title="Runs this node alone, on the cached outputs of the steps it needs"
      >
        Run this node
      </Button>
      {runId && live && <NodeLogs runId={runId} stepId={node.id} status={live.status} />}
      {live && (
        <div className="space-y-1 border-t border-slate-100 pt-3">
          <div className="flex items-center gap-2">
            <StatusBadge status={live.status} />
            <span className="text-xs text-slate-500">{live.cacheReason}</span>
          </div>
          {live.error && <p className="text-xs text-rose-700">{live.error}</p>}
          {inputs.map((i) => (
            <div key={`in-${i.port}`}>
              <h3 className="text-xs font-medium">
                Input {i.port} <span className="text-slate-400">(from {i.from})</span>
              </h3>
              <OutputPreview hash={i.ref.hash} kind={i.ref.kind} />
            </div>
          ))}
          {outputs &&
            Object.entries(outputs).map(([port, ref]) => (
              <div key={port}>
                <h3 className="text-xs font-medium">
                  Output {port} <span className="text-slate-400">({ref.kind})</span>
                </h3>
                <OutputPreview hash={ref.hash} kind={ref.kind} />
              </div>
            ))}
        </div>
      )}
    </aside>
  );
}

function DiffList() {
  const diff = useEditor((s) => s.diff);
  if (!diff) return null;
  return (
    <section aria-label="Differences" className="mt-3 space-y-1 text-xs" data-testid="diff-list">
      <h2 className="font-semibold">Changes</h2>
      {diff.identical && <p>No changes.</p>}
      {diff.nodesAdded.map((n) => (
        <p key={`a-${n.id}`} className="text-emerald-700">
          + {n.id} ({n.type})
        </p>
      ))}
      {diff.nodesRemoved.map((n) => (
        <p key={`r-${n.id}`} className="text-rose-700">
          − {n.id} ({n.type})
        </p>
      ))}
      {diff.nodesChanged.map((n) => (
        <div key={`c-${n.id}`} className="text-amber-800">
          ~ {n.id}
          {n.params.map((p) => (
            <p key={p.path} className="ml-3 font-mono">
              {p.path}: {JSON.stringify(p.from) ?? "(unset)"} → {JSON.stringify(p.to) ?? "(unset)"}
            </p>
          ))}
        </div>
      ))}
      {diff.edgesAdded.map((e) => (
        <p
          key={`ea-${e.source}${e.sourcePort}${e.target}${e.targetPort}`}
          className="text-emerald-700"
        >
          + edge {e.source}.{e.sourcePort} → {e.target}.{e.targetPort}
        </p>
      ))}
      {diff.edgesRemoved.map((e) => (
        <p
          key={`er-${e.source}${e.sourcePort}${e.target}${e.targetPort}`}
          className="text-rose-700"
        >
          − edge {e.source}.{e.sourcePort} → {e.target}.{e.targetPort}
        </p>
      ))}
    </section>
  );
}

function NodeLogs({ runId, stepId, status }: { runId: string; stepId: string; status: string }) {
  const trpc = useTRPC();
  const finished = ["succeeded", "failed", "rejected", "cached", "skipped", "cancelled"].includes(
    status,
  );
  const logs = useQuery(
    trpc.runs.logs.queryOptions({ runId, stepId }, { refetchInterval: finished ? false : 1000 }),
  );
  const { refetch } = logs;
  // One last read when the step finishes: its final lines are written before it is marked done.
  useEffect(() => {
    if (finished) void refetch();
  }, [finished, refetch]);
  if (!logs.data?.length) return null;
  return (
    <pre
      className="max-h-40 overflow-auto rounded bg-slate-900 p-2 text-[11px] text-slate-100"
      data-testid="node-logs"
    >
      {logs.data.map((l) => l.message).join("\n")}
    </pre>
  );
}
