"use client";

import { Background, Controls, Position, ReactFlow, type Edge, type Node } from "@xyflow/react";
import { useMemo } from "react";
import { stepColors } from "./timeline";

export interface DagNode {
  id: string;
  nodeType: string;
  label: string;
  position: { x: number; y: number };
}

export interface DagEdge {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

/** The run's pipeline as a read-only graph, each step coloured by its status. */
export function RunDag({
  nodes,
  edges,
  statuses,
}: {
  nodes: DagNode[];
  edges: DagEdge[];
  statuses: Record<string, string>;
}) {
  const flow = useMemo(() => {
    const flowNodes: Node[] = nodes.map((n) => {
      const status = statuses[n.id] ?? "pending";
      const color = stepColors[status] ?? stepColors.pending;
      return {
        id: n.id,
        position: n.position,
        sourcePosition: Position.Right,
        targetPosition: Position.Left,
        data: {
          label: (
            <div className="text-left" data-dag-status={status}>
              <div className="truncate text-xs font-semibold">{n.label}</div>
              <div className="truncate font-mono text-[10px] text-slate-500">{n.nodeType}</div>
              <div className="text-[10px] font-medium" style={{ color }}>
                {status.replace("_", " ")}
              </div>
            </div>
          ),
        },
        style: {
          width: 170,
          borderColor: color,
          borderWidth: 2,
          borderLeftWidth: 6,
          background: status === "running" ? "#f0f9ff" : "white",
        },
      };
    });
    // One line per pair of steps: a Split's train, validation and test travel together.
    const pairs = edges.filter(
      (e, i) => edges.findIndex((o) => o.source === e.source && o.target === e.target) === i,
    );
    const flowEdges: Edge[] = pairs.map((e) => ({
      id: `${e.source}->${e.target}`,
      source: e.source,
      target: e.target,
      animated: statuses[e.target] === "running",
    }));
    return { nodes: flowNodes, edges: flowEdges };
  }, [nodes, edges, statuses]);

  return (
    <section aria-label="Pipeline graph" className="space-y-2">
      <h2 className="text-lg font-semibold">Graph</h2>
      <div className="h-72 rounded border border-slate-200 bg-white">
        <ReactFlow
          nodes={flow.nodes}
          edges={flow.edges}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          edgesFocusable={false}
          fitView
          fitViewOptions={{ maxZoom: 1 }}
          minZoom={0.05}
          proOptions={{ hideAttribution: true }}
        >
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
    </section>
  );
}
