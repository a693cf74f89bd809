"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useNodesInitialized,
  useReactFlow,
  type IsValidConnection,
} from "@xyflow/react";
import { useCallback, useEffect, useRef, useState, type DragEvent } from "react";
import { createPortal } from "react-dom";
import { stringify as stringifyYaml } from "yaml";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";
import { parsePipelineText } from "@/common/pipeline/parse";
import { PIPELINE_API_VERSION, type PipelineFile } from "@/common/pipeline/schema";
import { validatePipeline } from "@/common/pipeline/validate";
import {
  connectionProblem,
  isPipelineNode,
  placeLaidOut,
  type CanvasNode,
  type PipelineFlowEdge,
} from "./document";
import { layoutPositions } from "@/common/layout";
import { GroupCard, NoteCard } from "./annotations";
import { MemberEdge } from "./member-edge";
import { HelpDialog } from "./help-dialog";
import { HistoryPanel } from "./history-panel";
import { Inspector } from "./inspector";
import { NodeCard } from "./node-card";
import { DRAG_MIME, Palette } from "./palette";
import { RunControls } from "./run-controls";
import { SAVE_EVENT } from "./param-form";
import { useEditor } from "./store";
import { isTyping, useTextFocus } from "./typing";
import { useDesignColumns } from "./use-design-columns";
import { ValidationPanel } from "./validation-panel";

const nodeTypes = { pipeline: NodeCard, note: NoteCard, group: GroupCard };
const edgeTypes = { member: MemberEdge };
const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
const LARGE_GRAPH = 300;
const DELETE_KEYS = ["Backspace", "Delete"];

/** From how many nodes the canvas shows a minimap. */
const MINIMAP_FROM = 12;

export const emptyPipeline = (): PipelineFile => ({
  apiVersion: PIPELINE_API_VERSION,
  kind: "Pipeline",
  name: "Untitled pipeline",
  description: "",
  nodes: [],
  edges: [],
});

function download(filename: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}

function EditorInner({ pipelineId }: { pipelineId: string | null }) {
  const trpc = useTRPC();
  const design = useDesignColumns();
  const flow = useReactFlow<CanvasNode, PipelineFlowEdge>();
  const [menu, setMenu] = useState<{ nodeId: string; x: number; y: number } | null>(null);
  const [paneMenu, setPaneMenu] = useState<{ x: number; y: number } | null>(null);
  const s = useEditor();
  const [panel, setPanel] = useState<"inspector" | "history">("inspector");
  const [message, setMessage] = useState<{ kind: "error" | "info"; text: string } | null>(null);
  const help = useRef<HTMLDialogElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const loaded = useRef<string | null | undefined>(undefined);
  const typing = useTextFocus();

  const existing = useQuery(
    trpc.pipelines.get.queryOptions(
      { pipelineId: pipelineId ?? "" },
      { enabled: pipelineId !== null, staleTime: Infinity },
    ),
  );
  useEffect(() => {
    if (loaded.current === pipelineId) return;
    if (pipelineId === null) {
      useEditor.getState().load(null, emptyPipeline());
      loaded.current = null;
    } else if (existing.data) {
      useEditor.getState().load(pipelineId, existing.data.graph as PipelineFile);
      loaded.current = pipelineId;
      setFitPending(true);
    }
  }, [pipelineId, existing.data]);

  // An opened pipeline is shown whole: fitted once React Flow has measured every node (before
  // that, nodes have no size and the fit is off), and once the canvas has its final size.
  const [fitPending, setFitPending] = useState(false);
  const measured = useNodesInitialized();
  useEffect(() => {
    if (!fitPending) return;
    const fit = () => {
      setFitPending(false);
      void flow.fitView({ maxZoom: 1 });
    };
    // A large graph renders only what is visible, so some nodes are never measured: fit anyway.
    if (!measured) {
      const timer = setTimeout(fit, 1500);
      return () => clearTimeout(timer);
    }
    const frame = requestAnimationFrame(fit);
    return () => cancelAnimationFrame(frame);
  }, [fitPending, measured, flow]);

  const saveMutation = useMutation(trpc.pipelines.save.mutationOptions());
  const save = useCallback(async (): Promise<string | null> => {
    const st = useEditor.getState();
    const doc = st.document();
    const result = validatePipeline(doc);
    if (!result.ok) {
      setMessage({
        kind: "error",
        text: `Fix ${result.errors.length} problem(s) before saving: ${result.errors[0]!.message}`,
      });
      return null;
    }
    if (st.pipelineId && !st.isDirty()) return st.pipelineId;
    try {
      const saved = await saveMutation.mutateAsync({
        pipelineId: st.pipelineId ?? undefined,
        document: doc,
      });
      st.markSaved(saved.pipelineId);
      setMessage({
        kind: "info",
        text: saved.created
          ? `Saved version ${saved.version}.`
          : `No changes since version ${saved.version}.`,
      });
      if (!pipelineId) {
        loaded.current = saved.pipelineId;
        // The URL follows without a navigation: the editor keeps its undo history and messages.
        window.history.replaceState(null, "", `/pipelines/${saved.pipelineId}`);
      }
      return saved.pipelineId;
    } catch (err) {
      setMessage({ kind: "error", text: err instanceof Error ? err.message : String(err) });
      return null;
    }
  }, [saveMutation, pipelineId]);

  const layout = useCallback(async () => {
    const st = useEditor.getState();
    const steps = st.nodes.filter(isPipelineNode);
    const positions = await layoutPositions(
      steps.map((n) => ({ id: n.id, width: n.measured?.width, height: n.measured?.height })),
      st.edges,
    );
    st.edit(() => ({ nodes: placeLaidOut(st.nodes, positions) }));
    requestAnimationFrame(() => void flow.fitView({ maxZoom: 1, duration: 200 }));
  }, [flow]);

  const canvasCenter = useCallback(() => {
    const rect = document.querySelector(".react-flow")?.getBoundingClientRect();
    return rect
      ? flow.screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 })
      : { x: 0, y: 0 };
  }, [flow]);

  const addAtCenter = useCallback(
    (type: string) => {
      // With one node selected, the new node follows it, connected: a chain needs no drags.
      const chosen = useEditor.getState().nodes.filter((n) => n.selected);
      if (chosen.length === 1 && isPipelineNode(chosen[0]!)) {
        const id = useEditor.getState().addNodeAfter(type, chosen[0].id);
        requestAnimationFrame(
          () => void flow.fitView({ maxZoom: 1, duration: 200, nodes: [{ id }, chosen[0]!] }),
        );
        return;
      }
      const center = canvasCenter();
      const jitter = useEditor.getState().nodes.length % 5;
      useEditor
        .getState()
        .addNode(type, { x: center.x - 100 + jitter * 20, y: center.y - 40 + jitter * 20 });
    },
    [canvasCenter, flow],
  );

  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(DRAG_MIME);
      if (!type) return;
      e.preventDefault();
      useEditor
        .getState()
        .addNode(type, flow.screenToFlowPosition({ x: e.clientX - 100, y: e.clientY - 30 }));
    },
    [flow],
  );

  const isValidConnection: IsValidConnection = useCallback((c) => {
    const st = useEditor.getState();
    const problem = connectionProblem(c, st.nodes, st.edges);
    st.setConnectionHint(problem);
    return problem === null;
  }, []);

  const focusNode = useCallback(
    (id: string) => {
      const st = useEditor.getState();
      useEditor.setState({
        nodes: st.nodes.map((n) => ({ ...n, selected: n.id === id })),
      });
      void flow.fitView({ nodes: [{ id }], duration: 300, maxZoom: 1 });
      setPanel("inspector");
    },
    [flow],
  );

  const importFile = async (file: File) => {
    try {
      if (file.size > MAX_IMPORT_BYTES)
        throw new Error(
          `${file.name} is ${(file.size / 1048576).toFixed(1)} MB; the limit is 5 MB.`,
        );
      const doc = parsePipelineText(await file.text(), file.name);
      const result = validatePipeline(doc);
      if (!result.ok) {
        const first = result.errors
          .slice(0, 3)
          .map((e) => e.message)
          .join("; ");
        throw new Error(
          `${file.name} is not a valid pipeline (${result.errors.length} problem(s)): ${first}`,
        );
      }
      if (
        useEditor.getState().isDirty() &&
        !window.confirm("Replace the canvas (your unsaved changes) with the imported pipeline?")
      )
        return;
      useEditor.getState().load(useEditor.getState().pipelineId, result.pipeline, { dirty: true });
      setMessage({
        kind: "info",
        text: `Imported ${file.name}. Save to keep it as a new version.`,
      });
      setFitPending(true);
    } catch (err) {
      setMessage({ kind: "error", text: err instanceof Error ? err.message : String(err) });
    }
  };

  const exportAs = (format: "json" | "yaml") => {
    const doc = useEditor.getState().document();
    const slug =
      doc.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "") || "pipeline";
    if (format === "json")
      download(`${slug}.pipeline.json`, `${JSON.stringify(doc, null, 2)}\n`, "application/json");
    else download(`${slug}.pipeline.yaml`, stringifyYaml(doc), "application/yaml");
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      // Keys typed in a field or the code editor are text, and Ctrl/Cmd+Z, C, V act on that text.
      // Only Ctrl/Cmd+S keeps its meaning there (the code editor saves through SAVE_EVENT and
      // keeps the keys to itself, hence defaultPrevented).
      if (e.defaultPrevented || e.isComposing) return;
      if (isTyping(e)) {
        if (mod && key === "s" && !e.shiftKey && !e.altKey) {
          e.preventDefault();
          void save();
        }
        return;
      }
      const st = useEditor.getState();
      if (mod && key === "z" && !e.shiftKey) st.undo();
      else if ((mod && key === "z" && e.shiftKey) || (mod && key === "y")) st.redo();
      else if (mod && key === "c") st.copySelection();
      else if (mod && key === "v") st.paste();
      else if (mod && key === "d") st.duplicateSelection();
      else if (mod && key === "s") void save();
      else if (!mod && e.key === "?") help.current?.showModal();
      else if (!mod && key === "l") void layout();
      else if (!mod && key === "f") void flow.fitView({ maxZoom: 1, duration: 200 });
      else return;
      e.preventDefault();
    };
    const onSaveRequest = () => void save();
    window.addEventListener("keydown", onKey);
    window.addEventListener(SAVE_EVENT, onSaveRequest);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener(SAVE_EVENT, onSaveRequest);
    };
  }, [save, layout, flow]);

  // Leaving with unsaved changes asks first: closing the tab, or following a link in the app.
  useEffect(() => {
    const beforeUnload = (e: BeforeUnloadEvent) => {
      if (useEditor.getState().isDirty()) e.preventDefault();
    };
    const onClick = (e: MouseEvent) => {
      const a = (e.target as HTMLElement | null)?.closest?.("a[href]");
      if (!a || a.getAttribute("target") === "_blank" || !useEditor.getState().isDirty()) return;
      if (!window.confirm("You have unsaved changes. Leave without saving?")) {
        e.preventDefault();
        e.stopPropagation();
      }
    };
    window.addEventListener("beforeunload", beforeUnload);
    document.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", beforeUnload);
      document.removeEventListener("click", onClick, true);
    };
  }, []);

  if (pipelineId && existing.isError)
    return <p className="p-6 text-sm text-rose-700">{existing.error.message}</p>;
  const dirty = s.savedJson !== "" ? JSON.stringify(s.document()) !== s.savedJson : true;

  return (
    <div
      className="fixed inset-x-0 top-[49px] bottom-0 z-10 flex flex-col bg-slate-50"
      data-editor-ready={s.nodes.length > 0 || pipelineId === null ? "true" : undefined}
    >
      <div
        role="toolbar"
        aria-label="Editor"
        className="flex flex-wrap items-center gap-2 border-b border-slate-200 bg-white px-3 py-2"
      >
        <input
          aria-label="Pipeline name"
          className="w-56 rounded border border-slate-300 px-2 py-1 text-sm font-semibold focus-visible:outline-2 focus-visible:outline-sky-500"
          value={s.name}
          maxLength={200}
          onChange={(e) => s.edit(() => ({ name: e.target.value }))}
        />
        <span className="text-xs text-slate-500" data-testid="dirty-state">
          {dirty ? "Unsaved changes" : "Saved"}
        </span>
        <Button size="sm" onClick={() => void save()} disabled={saveMutation.isPending}>
          Save
        </Button>
        <Button
          size="sm"
          variant="secondary"
          onClick={s.undo}
          disabled={s.past.length === 0}
          aria-label="Undo"
        >
          Undo
        </Button>
        <Button
          size="sm"
          variant="secondary"
          onClick={s.redo}
          disabled={s.future.length === 0}
          aria-label="Redo"
        >
          Redo
        </Button>
        <Button size="sm" variant="secondary" onClick={() => void layout()}>
          Layout
        </Button>
        <Button
          size="sm"
          variant="secondary"
          onClick={() => {
            const c = canvasCenter();
            s.addNote({ x: c.x - 110, y: c.y - 60 });
          }}
          title="A sticky note (Markdown)"
        >
          Note
        </Button>
        <Button
          size="sm"
          variant="secondary"
          onClick={() => {
            const c = canvasCenter();
            s.addGroup({ x: c.x - 210, y: c.y - 130 });
          }}
          title="A titled group around the selected nodes"
        >
          Group
        </Button>
        <Button size="sm" variant="secondary" onClick={() => fileInput.current?.click()}>
          Import
        </Button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,.yaml,.yml,application/json,application/yaml"
          className="hidden"
          data-testid="import-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = "";
            if (f) void importFile(f);
          }}
        />
        <Button size="sm" variant="secondary" onClick={() => exportAs("json")}>
          Export JSON
        </Button>
        <Button size="sm" variant="secondary" onClick={() => exportAs("yaml")}>
          Export YAML
        </Button>
        <Button
          size="sm"
          variant="secondary"
          disabled={!s.pipelineId}
          onClick={() => setPanel((p) => (p === "history" ? "inspector" : "history"))}
          aria-pressed={panel === "history"}
        >
          History
        </Button>
        <Button
          size="sm"
          variant="secondary"
          onClick={() => help.current?.showModal()}
          aria-label="Keyboard shortcuts"
        >
          ?
        </Button>
        <div className="ml-auto">
          <RunControls save={save} onFocus={focusNode} />
        </div>
      </div>
      {message && (
        <div
          role={message.kind === "error" ? "alert" : "status"}
          className={`flex items-start gap-2 px-3 py-1.5 text-xs ${message.kind === "error" ? "bg-rose-50 text-rose-800" : "bg-sky-50 text-sky-800"}`}
        >
          <span className="break-all">{message.text}</span>
          <button type="button" className="ml-auto underline" onClick={() => setMessage(null)}>
            Dismiss
          </button>
        </div>
      )}
      <div className="flex min-h-0 flex-1">
        <Palette onAdd={addAtCenter} />
        <div
          className="relative min-w-0 flex-1"
          onDrop={onDrop}
          onDragOver={(e) => e.preventDefault()}
        >
          {s.nodes.length === 0 && (
            <div
              className="pointer-events-none absolute inset-0 z-10 flex items-center justify-center"
              data-testid="empty-canvas-hint"
            >
              <div className="max-w-sm rounded-lg border border-dashed border-slate-300 bg-white/90 p-5 text-center text-sm text-slate-600">
                <p className="mb-1 font-medium text-slate-800">An empty pipeline</p>
                <p>
                  Type in Search nodes and press Enter (or drag a node from the list): start with
                  an ingest node such as Uploaded file. With a node selected, the next one you add
                  follows it, connected. Or use Import for a pipeline file. Press ? for the
                  shortcuts.
                </p>
              </div>
            </div>
          )}
          {menu && (
            <NodeMenu
              {...menu}
              pipelineNode={s.nodes.some((n) => n.id === menu.nodeId && isPipelineNode(n))}
              outputs={
                s.runStatus[menu.nodeId]?.outputs as
                  Record<string, { hash: string; kind: string }> | undefined
              }
              onClose={() => setMenu(null)}
              onRun={() => s.requestNodeRun(menu.nodeId)}
              onDuplicate={() => s.duplicateSelection()}
              onDelete={() => void flow.deleteElements({ nodes: [{ id: menu.nodeId }] })}
            />
          )}
          {s.connectionHint && (
            <div
              role="status"
              className="pointer-events-none absolute top-2 left-1/2 z-10 -translate-x-1/2 rounded bg-slate-800 px-3 py-1 text-xs text-white shadow"
              data-testid="connection-hint"
            >
              {s.connectionHint}
            </div>
          )}
          {paneMenu && (
            <CanvasMenu
              {...paneMenu}
              onClose={() => setPaneMenu(null)}
              onNote={() => s.addNote(flow.screenToFlowPosition({ x: paneMenu.x, y: paneMenu.y }))}
              onGroup={() =>
                s.addGroup(flow.screenToFlowPosition({ x: paneMenu.x, y: paneMenu.y }))
              }
            />
          )}
          <ReactFlow<CanvasNode, PipelineFlowEdge>
            nodes={s.nodes}
            edges={s.edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            onNodeDragStop={(_, __, dragged) =>
              s.regroup(dragged.filter(isPipelineNode).map((n) => n.id))
            }
            onBeforeDelete={({ nodes, edges }) => {
              // Deleting a group keeps what is in it: its nodes stay where they are.
              const groups = new Set(nodes.filter((n) => n.type === "group").map((n) => n.id));
              if (groups.size === 0) return Promise.resolve(true);
              const chosen = new Set(nodes.filter((n) => n.selected).map((n) => n.id));
              const kept = nodes.filter(
                (n) => n.parentId && groups.has(n.parentId) && !chosen.has(n.id),
              );
              useEditor.getState().ungroup([...groups]);
              const keptIds = new Set(kept.map((n) => n.id));
              return Promise.resolve({
                nodes: nodes.filter((n) => !keptIds.has(n.id)),
                edges: edges.filter((e) => !keptIds.has(e.source) && !keptIds.has(e.target)),
              });
            }}
            onNodesChange={s.onNodesChange}
            onEdgesChange={s.onEdgesChange}
            onConnect={s.onConnect}
            onConnectEnd={() =>
              setTimeout(() => useEditor.getState().setConnectionHint(null), 1500)
            }
            isValidConnection={isValidConnection}
            // While focus is in a text surface, Space, Delete and Backspace belong to the text, not
            // to panning or deleting nodes: React Flow only knows inputs, textareas, selects and
            // contenteditable, not Monaco's EditContext or role="textbox" (editors sit in `.nokey`
            // too). Its modifier keys (Shift, Ctrl) only set a mode and stay.
            onPaneContextMenu={(e) => {
              e.preventDefault();
              setMenu(null);
              setPaneMenu({ x: e.clientX, y: e.clientY });
            }}
            onNodeContextMenu={(e, n) => {
              e.preventDefault();
              setPaneMenu(null);
              s.onNodesChange(
                s.nodes.map((x) => ({
                  type: "select" as const,
                  id: x.id,
                  selected: x.id === n.id,
                })),
              );
              setMenu({ nodeId: n.id, x: e.clientX, y: e.clientY });
            }}
            onPaneClick={() => {
              setMenu(null);
              setPaneMenu(null);
            }}
            onMoveStart={() => {
              setMenu(null);
              setPaneMenu(null);
            }}
            deleteKeyCode={typing ? null : DELETE_KEYS}
            panActivationKeyCode={typing ? null : "Space"}
            multiSelectionKeyCode={["Meta", "Control"]}
            onlyRenderVisibleElements={s.nodes.length > LARGE_GRAPH}
            elevateNodesOnSelect={false}
            defaultViewport={{ x: 40, y: 40, zoom: 1 }}
            minZoom={0.05}
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            {/* A small graph fits the view and needs no map; a large one gets a small map. */}
            {s.nodes.length > MINIMAP_FROM && (
              <MiniMap pannable zoomable ariaLabel="Minimap" style={{ width: 160, height: 100 }} />
            )}
            <Controls />
          </ReactFlow>
        </div>
        {panel === "history" && s.pipelineId ? (
          <HistoryPanel pipelineId={s.pipelineId} onClose={() => setPanel("inspector")} />
        ) : (
          <Inspector design={design} />
        )}
      </div>
      <ValidationPanel onFocus={focusNode} />
      <HelpDialog ref={help} />
    </div>
  );
}

export function Editor({ pipelineId }: { pipelineId: string | null }) {
  return (
    <ReactFlowProvider>
      <EditorInner pipelineId={pipelineId} />
    </ReactFlowProvider>
  );
}

/** The canvas's right-click menu: a note or a group where the pointer is. */
function CanvasMenu(props: {
  x: number;
  y: number;
  onClose: () => void;
  onNote: () => void;
  onGroup: () => void;
}) {
  return (
    <PointerMenu
      x={props.x}
      y={props.y}
      label="Canvas"
      onClose={props.onClose}
      items={[
        { label: "Add a note here", act: props.onNote },
        { label: "Add a group here", act: props.onGroup },
      ]}
    />
  );
}

/** A node's right-click menu: run it, view its output, duplicate or delete it. Escape closes it. */
function NodeMenu(props: {
  nodeId: string;
  x: number;
  y: number;
  outputs?: Record<string, { hash: string; kind: string }>;
  pipelineNode: boolean;
  onClose: () => void;
  onRun: () => void;
  onDuplicate: () => void;
  onDelete: () => void;
}) {
  const dataset = Object.values(props.outputs ?? {}).find((o) => o.kind === "dataset");
  const annotation = !props.pipelineNode;
  const items: { label: string; act?: () => void }[] = annotation
    ? [{ label: "Delete", act: props.onDelete }]
    : [
        { label: "Run this node", act: props.onRun },
        {
          label: "View output",
          act:
            dataset && (() => void window.open(`/datasets/${dataset.hash}`, "_blank", "noopener")),
        },
        { label: "Duplicate", act: props.onDuplicate },
        { label: "Delete", act: props.onDelete },
      ];
  return (
    <PointerMenu
      x={props.x}
      y={props.y}
      label={`Node ${props.nodeId}`}
      onClose={props.onClose}
      items={items}
    />
  );
}

function PointerMenu(props: {
  x: number;
  y: number;
  label: string;
  items: { label: string; act?: () => void }[];
  onClose: () => void;
}) {
  const { items } = props;
  // In the page's body: fixed at the pointer, whatever box or transform the canvas sits in.
  return createPortal(
    <ul
      role="menu"
      aria-label={props.label}
      // Fixed, at the pointer: viewport coordinates, whatever the canvas's box.
      className="fixed z-30 min-w-40 rounded border border-slate-200 bg-white py-1 text-sm shadow-lg"
      style={{ left: props.x, top: props.y }}
      onKeyDown={(e) => {
        if (e.key === "Escape") props.onClose();
      }}
    >
      {items.map((item, k) => (
        <li key={item.label} role="none">
          <button
            type="button"
            role="menuitem"
            autoFocus={k === 0}
            disabled={!item.act}
            className="w-full px-3 py-1 text-left hover:bg-slate-100 focus:bg-slate-100 focus:outline-none disabled:text-slate-400"
            onClick={() => {
              item.act?.();
              props.onClose();
            }}
          >
            {item.label}
          </button>
        </li>
      ))}
    </ul>,
    document.body,
  );
}
