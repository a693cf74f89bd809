"use client";

import { useQueries } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";
import { useShallow } from "zustand/react/shallow";
import { columnErrors, designColumns } from "@/common/pipeline/design-columns";
import type { ValidationError } from "@/common/pipeline/validate";
import type { ColumnInfo } from "@/nodes/types";
import { useTRPC } from "@/components/trpc";
import { useEditor } from "./store";
import { isPipelineNode } from "./document";

type Probe = { columns: ColumnInfo[] } | { error: string } | { unknown: true };

/**
 * The graph as design-time columns need it: nodes' types and params, and the edges' ports. The
 * selectors return strings and the nodes' data objects, which keep their identity while a node is
 * dragged, so a drag does not recompute any of this.
 */
function useGraph() {
  const ids = useEditor(useShallow((s) => s.nodes.filter(isPipelineNode).map((n) => n.id)));
  const data = useEditor(useShallow((s) => s.nodes.filter(isPipelineNode).map((n) => n.data)));
  const edgeKeys = useEditor(
    useShallow((s) =>
      s.edges.map((e) =>
        [e.source, e.data?.sourcePort ?? "", e.target, e.data?.targetPort ?? ""].join("\u0000"),
      ),
    ),
  );
  return useMemo(
    () => ({
      nodes: ids.map((id, k) => ({ id, type: data[k]!.nodeType, params: data[k]!.params })),
      edges: edgeKeys.map((key) => {
        const [source = "", sourcePort = "", target = "", targetPort = ""] = key.split("\u0000");
        return { source, sourcePort, target, targetPort };
      }),
    }),
    [ids, data, edgeKeys],
  );
}

/**
 * Columns before running: each ingest node's file is probed on the server (with its options) as
 * soon as it is configured, and the columns follow from node to node by their definitions. Also
 * keeps the editor's design-time problems (a column no input has, a file that does not read) up
 * to date.
 */
export function useDesignColumns() {
  const trpc = useTRPC();
  const graph = useGraph();
  const ingest = graph.nodes.filter((n) => n.type.startsWith("ingest."));
  const probes = useQueries({
    queries: ingest.map((n) =>
      trpc.nodes.probe.queryOptions(
        { type: n.type, params: n.params },
        { staleTime: Infinity, retry: false },
      ),
    ),
  });
  const byNode = new Map<string, Probe | undefined>(ingest.map((n, i) => [n.id, probes[i]?.data]));
  const probeKey = JSON.stringify([...byNode.entries()]);
  const known = useMemo(() => {
    const entries = new Map(JSON.parse(probeKey) as [string, Probe | undefined][]);
    return {
      columns: (nodeId: string) => {
        const p = entries.get(nodeId);
        return p && "columns" in p ? p.columns : undefined;
      },
      errors: [...entries.entries()].flatMap(([nodeId, p]): ValidationError[] =>
        p && "error" in p
          ? [{ nodeId, code: "unreadable_file", message: `Node "${nodeId}" — ${p.error}` }]
          : [],
      ),
    };
  }, [probeKey]);
  const design = useMemo(() => designColumns(graph, known.columns), [graph, known]);

  const setColumnErrors = useEditor((s) => s.setColumnErrors);
  useEffect(() => {
    setColumnErrors([...known.errors, ...columnErrors(graph, known.columns)]);
  }, [graph, known, setColumnErrors]);
  return design;
}
