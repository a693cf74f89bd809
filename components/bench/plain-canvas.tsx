"use client";

import { useQuery } from "@tanstack/react-query";
import { ReactFlow, type Edge, type Node } from "@xyflow/react";
import { useMemo } from "react";
import { useTRPC } from "@/components/trpc";
import type { PipelineFile } from "@/common/pipeline/schema";

/**
 * The canvas benchmark's baseline: the same graph in a bare React Flow with its default nodes,
 * the physical limit of the library on this machine. Not linked from the app.
 */
export function PlainCanvas({ pipelineId }: { pipelineId: string }) {
  const trpc = useTRPC();
  const pipeline = useQuery(trpc.pipelines.get.queryOptions({ pipelineId }));
  const graph = useMemo(() => {
    const doc = pipeline.data?.graph as PipelineFile | undefined;
    if (!doc) return null;
    const nodes: Node[] = doc.nodes.map((n) => ({
      id: n.id,
      position: n.position ?? { x: 0, y: 0 },
      data: { label: n.id },
    }));
    const edges: Edge[] = doc.edges.map((e) => ({
      id: `${e.source}-${e.target}-${e.targetPort}`,
      source: e.source,
      target: e.target,
    }));
    return { nodes, edges };
  }, [pipeline.data]);
  if (!graph) return <p>Loading…</p>;
  return (
    <div className="fixed inset-x-0 top-[49px] bottom-0" data-editor-ready="true">
      <ReactFlow
        defaultNodes={graph.nodes}
        defaultEdges={graph.edges}
        onlyRenderVisibleElements
        fitView
        minZoom={0.05}
      />
    </div>
  );
}
