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
  handlesOf,
  isPipelineNode,
  nextNodeId,
  portsForConnection,
  toDocument,
  toFlow,
  toFlowEdge,
  type CanvasNode,
  type GroupFlowNode,
  type NoteFlowNode,
  type PipelineFlowEdge,
  type PipelineFlowNode,
  type PipelineNodeData,
} from "./document";

interface Snapshot {
  name: string;
  description: string;
  nodes: CanvasNode[];
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
  onNodesChange: (changes: NodeChange<CanvasNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<PipelineFlowEdge>[]) => void;
  onConnect: (c: Connection) => void;
  setConnectionHint: (hint: string | null) => void;
  addNode: (type: string, position: XYPosition) => string;
  /**
   * Adds a node after `afterId`, to its right, connected from its first output to the new node's
   * first input of the same kind (the splits to the splits, a model to a model).
   */
  addNodeAfter: (type: string, afterId: string) => string;
  updateNode: (id: string, patch: Partial<PipelineNodeData>) => void;
  addNote: (position: XYPosition) => string;
  updateNote: (id: string, patch: Partial<NoteFlowNode["data"]>) => void;
  /** A group around the selected nodes, or an empty one at `position`. */
  addGroup: (position: XYPosition) => string;
  updateGroup: (id: string, patch: Partial<GroupFlowNode["data"]>) => void;
  /** The nodes in these groups leave them, staying where they are on the canvas. */
  ungroup: (groupIds: string[]) => void;
  /** After a drag: a node dropped inside a group joins it, one dropped outside leaves it. */
  regroup: (ids: string[]) => void;
  /** Which split a member edge carries (the test split into Evaluate, or validation). */
  setEdgeMember: (edgeId: string, member: string) => void;
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
  /** One undo step: the data of the node `id`, if it is of `type`, patched. */
  const patchData = (id: string, type: CanvasNode["type"], patch: object) =>
    apply(
      {
        nodes: get().nodes.map((n) =>
          n.id === id && n.type === type
            ? ({ ...n, data: { ...n.data, ...patch } } as CanvasNode)
            : n,
        ),
      },
      true,
    );

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
      const source = s.nodes.find((n) => n.id === c.source);
      const target = s.nodes.find((n) => n.id === c.target);
      if (!source || !target || !isPipelineNode(source) || !isPipelineNode(target)) return;
      const out = handlesOf(source).outputs.find((p) => p.name === c.sourceHandle)!;
      const inp = handlesOf(target).inputs.find((p) => p.name === c.targetHandle)!;
      const edge = toFlowEdge(
        { source: c.source, target: c.target, ...portsForConnection(out, inp) },
        source.data,
        target.data,
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
    addNodeAfter(type, afterId) {
      const s = get();
      const after = s.nodes.find((n) => n.id === afterId);
      if (!after || !isPipelineNode(after)) throw new Error(`No node ${afterId}`);
      const parent = after.parentId ? s.nodes.find((n) => n.id === after.parentId) : undefined;
      const base = {
        x: after.position.x + (parent?.position.x ?? 0) + (after.measured?.width ?? 200) + 60,
        y: after.position.y + (parent?.position.y ?? 0),
      };
      // Below whatever already sits there, so a second branch does not cover the first.
      const taken = (y: number) =>
        s.nodes.some(
          (n) =>
            n.type === "pipeline" &&
            !n.parentId &&
            Math.abs(n.position.x - base.x) < 150 &&
            Math.abs(n.position.y - y) < 80,
        );
      let y = base.y;
      while (taken(y)) y += 120;
      const before = snapshot(s);
      const id = get().addNode(type, { x: base.x, y });
      const added = get().nodes.find((n) => n.id === id);
      if (!added || !isPipelineNode(added)) return id;
      const outs = handlesOf(after).outputs;
      const ins = handlesOf(added).inputs;
      const fed = new Set(
        get()
          .edges.filter((e) => e.target === id)
          .map((e) => e.targetHandle),
      );
      const pair = ins
        .filter((i) => !fed.has(i.name))
        .flatMap((i) => outs.filter((o) => o.kind === i.kind).map((o) => [o, i] as const))[0];
      if (pair) {
        const edge = toFlowEdge(
          { source: after.id, target: id, ...portsForConnection(pair[0], pair[1]) },
          after.data,
          added.data,
        );
        // One undo step for the node and its edge.
        set({ past: [...s.past, before].slice(-HISTORY_LIMIT) });
        apply({ edges: addEdge(edge, get().edges) }, false);
      }
      return id;
    },
    updateNode(id, patch) {
      patchData(id, "pipeline", patch);
    },
    addNote(position) {
      const s = get();
      const id = nextNodeId("note", new Set(s.nodes.map((n) => n.id)));
      const note: NoteFlowNode = {
        id,
        type: "note",
        position,
        selected: true,
        style: { width: 220, height: 120 },
        width: 220,
        height: 120,
        data: { text: "" },
      };
      apply({ nodes: [...s.nodes.map((n) => ({ ...n, selected: false })), note] }, true);
      return id;
    },
    updateNote(id, patch) {
      patchData(id, "note", patch);
    },
    addGroup(position) {
      const s = get();
      const id = nextNodeId("group", new Set(s.nodes.map((n) => n.id)));
      const chosen = s.nodes.filter((n) => n.selected && isPipelineNode(n) && !n.parentId);
      const pad = 40;
      const box = chosen.length
        ? {
            x: Math.min(...chosen.map((n) => n.position.x)) - pad,
            y: Math.min(...chosen.map((n) => n.position.y)) - pad - 16,
            right: Math.max(...chosen.map((n) => n.position.x + (n.measured?.width ?? 200))) + pad,
            bottom: Math.max(...chosen.map((n) => n.position.y + (n.measured?.height ?? 90))) + pad,
          }
        : { x: position.x, y: position.y, right: position.x + 420, bottom: position.y + 260 };
      const width = Math.round(box.right - box.x);
      const height = Math.round(box.bottom - box.y);
      const group: GroupFlowNode = {
        id,
        type: "group",
        position: { x: Math.round(box.x), y: Math.round(box.y) },
        style: { width, height },
        width,
        height,
        zIndex: -1,
        selected: true,
        data: { title: chosen.length ? "" : "Group" },
      };
      const members = new Set(chosen.map((n) => n.id));
      const nodes = s.nodes.map((n) =>
        members.has(n.id)
          ? {
              ...n,
              selected: false,
              parentId: id,
              position: { x: n.position.x - group.position.x, y: n.position.y - group.position.y },
            }
          : { ...n, selected: false },
      );
      // A parent comes before its children.
      apply({ nodes: [group, ...nodes] }, true);
      return id;
    },
    updateGroup(id, patch) {
      patchData(id, "group", patch);
    },
    ungroup(groupIds) {
      const s = get();
      const byId = new Map(s.nodes.map((n) => [n.id, n]));
      set({
        nodes: s.nodes.map((n) => {
          if (!n.parentId || !groupIds.includes(n.parentId)) return n;
          const parent = byId.get(n.parentId)!;
          const { parentId: _left, ...rest } = n;
          return {
            ...rest,
            position: { x: n.position.x + parent.position.x, y: n.position.y + parent.position.y },
          };
        }),
      });
    },
    regroup(ids) {
      const s = get();
      const groups = s.nodes.filter((n) => n.type === "group");
      const byId = new Map(s.nodes.map((n) => [n.id, n]));
      let changed = false;
      const nodes = s.nodes.map((n) => {
        if (!ids.includes(n.id) || !isPipelineNode(n)) return n;
        const parent = n.parentId ? byId.get(n.parentId) : undefined;
        const abs = {
          x: n.position.x + (parent?.position.x ?? 0),
          y: n.position.y + (parent?.position.y ?? 0),
        };
        const cx = abs.x + (n.measured?.width ?? 200) / 2;
        const cy = abs.y + (n.measured?.height ?? 90) / 2;
        const into = groups.find((g) => {
          const w = g.measured?.width ?? g.width ?? 0;
          const h = g.measured?.height ?? g.height ?? 0;
          return (
            cx > g.position.x && cx < g.position.x + w && cy > g.position.y && cy < g.position.y + h
          );
        });
        if (into?.id === n.parentId) return n;
        changed = true;
        if (!into) {
          const { parentId: _left, ...rest } = n;
          return { ...rest, position: abs };
        }
        return {
          ...n,
          parentId: into.id,
          position: { x: abs.x - into.position.x, y: abs.y - into.position.y },
        };
      });
      if (!changed) return;
      // Parents first: React Flow places children relative to a parent it has already seen.
      set({
        nodes: [
          ...nodes.filter((n) => n.type === "group"),
          ...nodes.filter((n) => n.type !== "group"),
        ],
      });
    },
    setEdgeMember(edgeId, member) {
      const s = get();
      const edge = s.edges.find((e) => e.id === edgeId);
      if (!edge?.data) return;
      const onSource = edge.sourceHandle !== edge.data.sourcePort;
      const ports = {
        source: edge.source,
        target: edge.target,
        sourcePort: onSource ? member : edge.data.sourcePort,
        targetPort: onSource ? edge.data.targetPort : member,
      };
      const source = s.nodes.find((n) => n.id === edge.source);
      const target = s.nodes.find((n) => n.id === edge.target);
      const next = toFlowEdge(
        ports,
        source && isPipelineNode(source) ? source.data : undefined,
        target && isPipelineNode(target) ? target.data : undefined,
      );
      apply({ edges: s.edges.map((e) => (e.id === edgeId ? next : e)) }, true);
    },
    copySelection() {
      const s = get();
      // Groups are not copied; a copied node leaves its group, at the same place on the canvas.
      const byId = new Map(s.nodes.map((n) => [n.id, n]));
      const nodes = s.nodes
        .filter((n) => n.selected && n.type !== "group")
        .map((n) => {
          const parent = n.parentId ? byId.get(n.parentId) : undefined;
          if (!parent) return n;
          const { parentId: _left, ...rest } = n;
          return {
            ...rest,
            position: { x: n.position.x + parent.position.x, y: n.position.y + parent.position.y },
          };
        });
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
      const dataOf = (id: string) => {
        const n = clip.nodes.find((x) => x.id === id);
        return n && isPipelineNode(n) ? n.data : undefined;
      };
      const edges = clip.edges.map((e) => {
        const renamed = {
          source: rename.get(e.source)!,
          sourcePort: e.data?.sourcePort ?? e.sourceHandle ?? "",
          target: rename.get(e.target)!,
          targetPort: e.data?.targetPort ?? e.targetHandle ?? "",
        };
        return toFlowEdge(renamed, dataOf(e.source), dataOf(e.target));
      });
      apply(
        {
          nodes: [...s.nodes.map((n) => ({ ...n, selected: false })), ...nodes] as CanvasNode[],
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
