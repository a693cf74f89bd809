"use client";

import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from "@xyflow/react";
import { handlesOf, isPipelineNode, type PipelineFlowEdge } from "./document";
import { useEditor } from "./store";

/**
 * An edge that carries one split of a bundle (the Split's test rows into Evaluate): its label
 * says which, and changing it picks another split.
 */
export function MemberEdge(props: EdgeProps<PipelineFlowEdge>) {
  const { id, source, target, sourceHandleId, targetHandleId, data, markerEnd, style } = props;
  const [path, labelX, labelY] = getBezierPath(props);
  const setEdgeMember = useEditor((s) => s.setEdgeMember);
  const onSource = data ? sourceHandleId !== data.sourcePort : true;
  const members = useEditor((s) => {
    const node = s.nodes.find((n) => n.id === (onSource ? source : target));
    if (!node || !isPipelineNode(node)) return "";
    const handles = handlesOf(node);
    const handle = (onSource ? handles.outputs : handles.inputs).find(
      (h) => h.name === (onSource ? sourceHandleId : targetHandleId),
    );
    return (handle?.members ?? []).join(",");
  });
  const member = onSource ? data?.sourcePort : data?.targetPort;
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={style} />
      <EdgeLabelRenderer>
        <div
          className="nodrag nopan absolute rounded border border-sky-300 bg-white text-[10px] shadow-sm"
          style={{
            transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)`,
            pointerEvents: "all",
          }}
        >
          <select
            aria-label={`Split carried from ${source} to ${target}`}
            className="cursor-pointer rounded bg-transparent px-1 py-0.5 text-sky-800"
            value={member}
            onChange={(e) => setEdgeMember(id, e.target.value)}
          >
            {members
              .split(",")
              .filter(Boolean)
              .map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
          </select>
        </div>
      </EdgeLabelRenderer>
    </>
  );
}
