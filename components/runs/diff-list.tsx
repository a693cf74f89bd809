"use client";

import type { NodeChange, PipelineDiff } from "@/common/pipeline/diff";

const show = (v: unknown) => (v === undefined ? "—" : JSON.stringify(v));

/** A node change as it arrives over JSON (unknown values may be absent). */
type NodeChangeJson = Omit<NodeChange, "params"> & {
  params: { path: string; from?: unknown; to?: unknown }[];
};

function NodeChangeText({ change }: { change: NodeChangeJson }) {
  const parts = [
    ...(change.typeChanged ? [`type ${change.typeChanged.from} → ${change.typeChanged.to}`] : []),
    ...change.params.map((p) => `${p.path} ${show(p.from)} → ${show(p.to)}`),
    ...(change.codeChanged ? ["code"] : []),
    ...(change.runtimeChanged ? ["runtime"] : []),
    ...(change.labelChanged ? ["label"] : []),
    ...(change.cacheChanged ? ["cache"] : []),
  ];
  return <span className="font-mono text-xs">{parts.join("; ")}</span>;
}

/** A pipeline diff as it arrives over JSON. */
type DiffJson = Omit<PipelineDiff, "nodesChanged"> & { nodesChanged: NodeChangeJson[] };

/** What changed between two versions of a pipeline's graph, one line per change. */
export function DiffList({ diff, testId }: { diff: DiffJson; testId?: string }) {
  return (
    <ul className="list-disc space-y-0.5 pl-5 text-sm" data-testid={testId}>
      {diff.metaChanged.name && (
        <li>
          renamed from {diff.metaChanged.name.from} to {diff.metaChanged.name.to}
        </li>
      )}
      {diff.metaChanged.description && <li>description changed</li>}
      {diff.nodesAdded.map((n) => (
        <li key={`+${n.id}`}>
          added <b>{n.id}</b> <span className="font-mono text-xs">{n.type}</span>
        </li>
      ))}
      {diff.nodesRemoved.map((n) => (
        <li key={`-${n.id}`}>
          removed <b>{n.id}</b> <span className="font-mono text-xs">{n.type}</span>
        </li>
      ))}
      {diff.nodesChanged.map((n) => (
        <li key={`~${n.id}`}>
          changed <b>{n.id}</b>: <NodeChangeText change={n} />
        </li>
      ))}
      {diff.edgesAdded.map((e) => (
        <li key={`+${e.source}.${e.sourcePort}-${e.target}.${e.targetPort}`}>
          connected {e.source}.{e.sourcePort} → {e.target}.{e.targetPort}
        </li>
      ))}
      {diff.edgesRemoved.map((e) => (
        <li key={`-${e.source}.${e.sourcePort}-${e.target}.${e.targetPort}`}>
          disconnected {e.source}.{e.sourcePort} → {e.target}.{e.targetPort}
        </li>
      ))}
    </ul>
  );
}
