"use client";

import {
  addEdge,
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type XYPosition,
} from "@xyflow/react";
import { create } from "zustand";
import { getNodeDefinition } from "@/nodes/index";
import type { PipelineDiff } from "@/common/pipeline/diff";
import type { PipelineFile } from "@/common/pipeline/schema";
import { validatePipeline, type ValidationError } from "@/common/pipeline/validate";
import { servingNotes } from "@/common/pipeline/serving-notes";
import {
  connectionProblem,
  nextNodeId,
  toDocument,
  toFlow,
  toFlowEdge,
  type PipelineFlowEdge,
  type PipelineFlowNode,
  type PipelineNodeData,
} from "./document";

interface Snapshot {
  name: string;
  description: string;
  nodes: PipelineFlowNode[];
  edges: PipelineFlowEdge[];
}

export interface StepLiveStatus {
  status: string;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  cacheReason: string | null;
  outputs: unknown;
  /** Why a queued step is not starting (no worker polls its queue), while it is so. */
  waiting: string | null;
}

const HISTORY_LIMIT = 200;

interface EditorState extends Snapshot {
  pipelineId: string | null;
  savedJson: string;
  past: Snapshot[];
  future: Snapshot[];
  errors: ValidationError[];
  errorsByNode: Record<string, ValidationError[]>;
  /** What the pipeline's endpoints will take, where a step before a model cannot run per request. */
  notes: ValidationError[];
  /** Problems found with the data's columns before running (see use-design-columns.ts). */
  columnErrors: ValidationError[];
  setColumnErrors: (errors: ValidationError[]) => void;
  connectionHint: string | null;
  clipboard: Snapshot | null;
  runStatus: Record<string, StepLiveStatus>;
  diff: PipelineDiff | null;

  load: (pipelineId: string | null, doc: PipelineFile, options?: { dirty?: boolean }) => void;
  markSaved: (pipelineId: string) => void;
  document: () => PipelineFile;
  isDirty: () => boolean;
  /** Records the current state as one undo step, then applies `fn`. */
  edit: (fn: (s: Snapshot) => Partial<Snapshot>) => void;
  undo: () => void;
  redo: () => void;
  onNodesChange: (changes: NodeChange<PipelineFlowNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<PipelineFlowEdge>[]) => void;
  onConnect: (c: Connection) => void;
  setConnectionHint: (hint: string | null) => void;
  addNode: (type: string, position: XYPosition) => string;
  updateNode: (id: string, patch: Partial<PipelineNodeData>) => void;
  copySelection: () => void;
  paste: (offset?: XYPosition) => void;
  duplicateSelection: () => void;
  setRunStatus: (status: Record<string, StepLiveStatus>) => void;
  /** The run the editor follows, and a node the inspector asked to run alone. */
  runId: string | null;
  runNodeRequest: string | null;
  setRunId: (runId: string | null) => void;
  requestNodeRun: (nodeId: string | null) => void;
  setDiff: (diff: PipelineDiff | null) => void;
}

const snapshot = (s: Snapshot): Snapshot => ({
  name: s.name,
  description: s.description,
  nodes: s.nodes,
  edges: s.edges,
});

function validated(
  s: Snapshot,
  columnErrors: ValidationError[],
): Pick<EditorState, "errors" | "errorsByNode" | "notes"> {
  const result = validatePipeline(toDocument(s, s.nodes, s.edges));
  // Design-time problems (columns, unreadable files) for nodes that still exist.
  const ids = new Set(s.nodes.map((n) => n.id));
  const errors = [
    ...(result.ok ? [] : result.errors),
    ...columnErrors.filter((e) => !e.nodeId || ids.has(e.nodeId)),
  ];
  const errorsByNode: Record<string, ValidationError[]> = {};
  for (const e of errors) if (e.nodeId) (errorsByNode[e.nodeId] ??= []).push(e);
  return {
    errors,
    errorsByNode,
    notes: result.ok ? servingNotes(result.pipeline) : [],
  };
}

/** Changes that are not edits of the document: selection, measured size, drag in progress. */
const cosmetic = (c: NodeChange | EdgeChange) =>
  c.type === "select" || c.type === "dimensions" || (c.type === "position" && c.dragging === true);

export const useEditor = create<EditorState>()((set, get) => {
  const apply = (next: Partial<Snapshot>, record: boolean) => {
    const s = get();
    const merged = { ...snapshot(s), ...next };
    set({
      ...next,
      ...(record ? { past: [...s.past, snapshot(s)].slice(-HISTORY_LIMIT), future: [] } : {}),
      ...(next.nodes || next.edges ? validated(merged, s.columnErrors) : {}),
    });
  };
  let dragStart: Snapshot | null = null;

  return {
    pipelineId: null,
    name: "",
    description: "",
    nodes: [],
    edges: [],
    savedJson: "",
    past: [],
    future: [],
    errors: [],
    errorsByNode: {},
    notes: [],
    columnErrors: [],
    setColumnErrors: (columnErrors) => {
      const s = get();
      if (JSON.stringify(columnErrors) === JSON.stringify(s.columnErrors)) return;
      set({ columnErrors, ...validated(snapshot(s), columnErrors) });
    },
    connectionHint: null,
    clipboard: null,
    runStatus: {},
    runId: null,
    runNodeRequest: null,
    diff: null,

    load(pipelineId, doc, options) {
      const { nodes, edges } = toFlow(doc);
      const s: Snapshot = { name: doc.name, description: doc.description, nodes, edges };
      const savedJson = options?.dirty ? "" : JSON.stringify(toDocument(s, nodes, edges));
      set({
        pipelineId,
        ...s,
        savedJson,
        past: [],
        future: [],
        runStatus: {},
        diff: null,
        ...validated(s, get().columnErrors),
      });
    },
    markSaved(pipelineId) {
      set({ pipelineId, savedJson: JSON.stringify(get().document()) });
    },
    document() {
      const s = get();
      return toDocument(s, s.nodes, s.edges);
    },
    isDirty() {
      return JSON.stringify(get().document()) !== get().savedJson;
    },
    edit(fn) {
      apply(fn(snapshot(get())), true);
    },
    undo() {
      const s = get();
      const previous = s.past.at(-1);
      if (!previous) return;
      set({
        ...previous,
        past: s.past.slice(0, -1),
        future: [snapshot(s), ...s.future],
        ...validated(previous, s.columnErrors),
      });
    },
    redo() {
      const s = get();
      const next = s.future[0];
      if (!next) return;
      set({
        ...next,
        past: [...s.past, snapshot(s)],
        future: s.future.slice(1),
        ...validated(next, s.columnErrors),
      });
    },
    onNodesChange(changes) {
      const s = get();
      const dragging = changes.some((c) => c.type === "position" && c.dragging);
      if (dragging && !dragStart) dragStart = snapshot(s);
      const nodes = applyNodeChanges(changes, s.nodes);
      if (changes.every(cosmetic)) {
        set({ nodes });
        return;
      }
      // A finished drag is one undo step, recorded from where the drag began.
      const before = dragStart ?? snapshot(s);
      dragStart = null;
      const next = { ...snapshot(s), nodes };
      set({
        nodes,
        past: [...s.past, before].slice(-HISTORY_LIMIT),
        future: [],
        ...(changes.some((c) => c.type === "remove" || c.type === "add")
          ? validated(next, s.columnErrors)
          : {}),
      });
    },
    onEdgesChange(changes) {
      const s = get();
      const edges = applyEdgeChanges(changes, s.edges);
      apply({ edges }, !changes.every(cosmetic));
    },
    onConnect(c) {
      const s = get();
      const problem = connectionProblem(c, s.nodes, s.edges);
      if (problem) {
        set({ connectionHint: problem });
        return;
      }
      const source = s.nodes.find((n) => n.id === c.source)?.data;
      const edge = toFlowEdge(
        {
          source: c.source,
          sourcePort: c.sourceHandle ?? "",
          target: c.target,
          targetPort: c.targetHandle ?? "",
        },
        source,
      );
      apply({ edges: addEdge(edge, s.edges) }, true);
      set({ connectionHint: null });
    },
    setConnectionHint(hint) {
      if (get().connectionHint !== hint) set({ connectionHint: hint });
    },
    addNode(type, position) {
      const def = getNodeDefinition(type);
      if (!def) throw new Error(`Unknown node type ${type}`);
      const s = get();
      const id = nextNodeId(type, new Set(s.nodes.map((n) => n.id)));
      const params = def.params.safeParse({});
      const node: PipelineFlowNode = {
        id,
        type: "pipeline",
        position,
        selected: true,
        data: {
          nodeType: type,
          params: params.success ? (params.data as Record<string, unknown>) : {},
        },
      };
      apply({ nodes: [...s.nodes.map((n) => ({ ...n, selected: false })), node] }, true);
      return id;
    },
    updateNode(id, patch) {
      const s = get();
      apply(
        { nodes: s.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n)) },
        true,
      );
    },
    copySelection() {
      const s = get();
      const nodes = s.nodes.filter((n) => n.selected);
      const ids = new Set(nodes.map((n) => n.id));
      const edges = s.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
      if (nodes.length)
        set({ clipboard: { name: s.name, description: s.description, nodes, edges } });
    },
    paste(offset = { x: 40, y: 40 }) {
      const s = get();
      const clip = s.clipboard;
      if (!clip) return;
      const taken = new Set(s.nodes.map((n) => n.id));
      const rename = new Map<string, string>();
      const nodes = clip.nodes.map((n) => {
        const id = nextNodeId(n.id, taken);
        taken.add(id);
        rename.set(n.id, id);
        return {
          ...n,
          id,
          selected: true,
          position: { x: n.position.x + offset.x, y: n.position.y + offset.y },
        };
      });
      const edges = clip.edges.map((e) => {
        const renamed = {
          source: rename.get(e.source)!,
          sourcePort: e.sourceHandle ?? "",
          target: rename.get(e.target)!,
          targetPort: e.targetHandle ?? "",
        };
        return toFlowEdge(renamed, clip.nodes.find((n) => n.id === e.source)?.data);
      });
      apply(
        {
          nodes: [...s.nodes.map((n) => ({ ...n, selected: false })), ...nodes],
          edges: [...s.edges, ...edges],
        },
        true,
      );
      // Pasting again offsets again, so copies do not stack on one another.
      set({
        clipboard: {
          ...clip,
          nodes: clip.nodes.map((n) => ({
            ...n,
            position: { x: n.position.x + offset.x, y: n.position.y + offset.y },
          })),
        },
      });
    },
    duplicateSelection() {
      get().copySelection();
      get().paste();
    },
    setRunStatus(runStatus) {
      set({ runStatus });
    },
    setRunId(runId) {
      set({ runId });
    },
    requestNodeRun(runNodeRequest) {
      set({ runNodeRequest });
    },
    setDiff(diff) {
      set({ diff });
    },
  };
});
