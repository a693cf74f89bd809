"use client";

import { Handle, Position, useUpdateNodeInternals, type NodeProps } from "@xyflow/react";
import { memo, useEffect, useRef, useState } from "react";
import { cn } from "@/components/ui/cn";
import { StatusBadge } from "@/components/ui/status-badge";
import { categoryStyle, portColor } from "./colors";
import { getNodeDefinition } from "@/nodes/index";
import { handlesOf, type PipelineFlowNode } from "./document";
import type { PortView } from "@/common/pipeline/bundles";
import { problemText } from "./problems";
import { useEditor } from "./store";

function Elapsed({ since }: { since: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <span className="tabular-nums">
      {Math.max(0, Math.round((now - new Date(since).getTime()) / 1000))} s
    </span>
  );
}

/** A bundle's handle is larger and ringed: one edge from it carries several datasets. */
const handleStyle = (p: PortView) =>
  p.members
    ? {
        background: portColor[p.kind],
        width: 12,
        height: 12,
        boxShadow: `0 0 0 2px white, 0 0 0 3px ${portColor[p.kind]}`,
      }
    : { background: portColor[p.kind], width: 10, height: 10 };

const portTitle = (p: PortView) =>
  p.members ? `${p.label}: ${p.members.join(", ")} (datasets)` : `${p.label} (${p.kind})`;

/** The one node component: its definition gives the colour, icon, title and ports. */
function NodeCardImpl({ id, data, selected }: NodeProps<PipelineFlowNode>) {
  const def = getNodeDefinition(data.nodeType);
  const shape = handlesOf({ data });
  const ports = [...shape.inputs, ...shape.outputs].map((p) => p.name).join();
  // A code node's ports follow its code: React Flow must measure the new handles. Not on mount:
  // React Flow measures every new node itself, and a call per node there made opening a large
  // pipeline quadratic (1,000 nodes: 13 s).
  const updateNodeInternals = useUpdateNodeInternals();
  const measuredPorts = useRef(ports);
  useEffect(() => {
    if (measuredPorts.current === ports) return;
    measuredPorts.current = ports;
    updateNodeInternals(id);
  }, [id, ports, updateNodeInternals]);
  const errors = useEditor((s) => s.errorsByNode[id]);
  const live = useEditor((s) => s.runStatus[id]);
  const diff = useEditor((s) =>
    s.diff?.nodesAdded.some((n) => n.id === id)
      ? "added"
      : s.diff?.nodesChanged.some((n) => n.id === id)
        ? "changed"
        : null,
  );
  const style = def ? categoryStyle[def.category] : categoryStyle.internal;
  const rows = Math.max(shape.inputs.length, shape.outputs.length, 1);
  return (
    <div
      data-node-id={id}
      data-diff={diff ?? undefined}
      className={cn(
        "w-[200px] rounded-md border bg-white text-xs shadow-sm",
        selected ? "border-sky-500 ring-2 ring-sky-200" : "border-slate-300",
        errors && "border-rose-400",
        diff === "added" && "ring-2 ring-emerald-400",
        diff === "changed" && "ring-2 ring-amber-400",
      )}
      title={live?.error ?? errors?.map((e) => e.message).join("\n")}
    >
      <div className={cn("h-1.5 rounded-t-md", style.bar)} />
      <div className="flex items-center gap-1.5 px-2 pt-1.5">
        <span aria-hidden className="w-4 text-center text-slate-500">
          {style.icon}
        </span>
        <span className="truncate font-semibold text-slate-800">{data.label || id}</span>
        {errors && (
          <span
            className="ml-auto rounded bg-rose-100 px-1 text-[10px] font-semibold text-rose-700"
            aria-label={`${errors.length} problems`}
          >
            !{errors.length}
          </span>
        )}
      </div>
      <div className="truncate px-2 pb-1 font-mono text-[10px] text-slate-500">
        {def?.title ?? data.nodeType}
      </div>
      {errors && !live && (
        <p
          className="mx-2 mb-1.5 line-clamp-2 rounded bg-rose-50 px-1 py-0.5 text-[10px] leading-snug text-rose-800"
          data-testid="node-problem"
        >
          {problemText(errors[0]!)}
          {errors.length > 1 ? ` (+${errors.length - 1} more)` : ""}
        </p>
      )}
      <div className="relative px-2 pb-2" style={{ minHeight: rows * 18 }}>
        {shape.inputs.map((p, i) => (
          <div
            key={`in-${p.name}`}
            className="absolute left-2 text-[10px] text-slate-600"
            style={{ top: i * 18 }}
          >
            <Handle
              type="target"
              position={Position.Left}
              id={p.name}
              style={{ top: 8, left: -13, ...handleStyle(p) }}
              title={`${portTitle(p)}${p.required ? ", required" : ""}`}
            />
            {p.label}
          </div>
        ))}
        {shape.outputs.map((p, i) => (
          <div
            key={`out-${p.name}`}
            className="absolute right-2 text-[10px] text-slate-600"
            style={{ top: i * 18 }}
          >
            {p.label}
            <Handle
              type="source"
              position={Position.Right}
              id={p.name}
              style={{ top: 8, right: -13, ...handleStyle(p) }}
              title={portTitle(p)}
            />
          </div>
        ))}
      </div>
      {live && (
        <div className="border-t border-slate-100 px-2 py-1" data-run-status={live.status}>
          <div className="flex items-center gap-2">
            <StatusBadge status={live.status} />
            {live.status === "running" && live.startedAt && <Elapsed since={live.startedAt} />}
          </div>
          {live.waiting && (
            <p
              className="mt-1 text-xs leading-snug text-amber-700"
              title={live.waiting}
              data-testid="step-waiting"
            >
              ⚠ {live.waiting.replace(/:.*$/, "")}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

export const NodeCard = memo(NodeCardImpl);
