"use client";

import { NodeResizer, type NodeProps } from "@xyflow/react";
import { memo, useEffect, useState } from "react";
import Markdown from "react-markdown";
import { cn } from "@/components/ui/cn";
import type { GroupFlowNode, NoteFlowNode } from "./document";
import { useEditor } from "./store";

const noteColors = {
  yellow: "bg-amber-50 border-amber-300",
  blue: "bg-sky-50 border-sky-300",
  green: "bg-emerald-50 border-emerald-300",
  pink: "bg-pink-50 border-pink-300",
  gray: "bg-slate-50 border-slate-300",
} as const;

/**
 * A sticky note: Markdown, shown rendered; double-click (or Enter while selected) edits the
 * text, and leaving the box or Escape keeps it. Links open in a new tab; HTML is shown as text.
 */
function NoteCardImpl({ id, data, selected }: NodeProps<NoteFlowNode>) {
  const updateNote = useEditor((s) => s.updateNote);
  const [draft, setDraft] = useState<string | null>(data.text === "" ? "" : null);
  const editing = draft !== null;
  const commit = () => {
    if (draft !== null && draft !== data.text) updateNote(id, { text: draft });
    setDraft(null);
  };
  return (
    <div
      data-note-id={id}
      className={cn(
        "flex h-full w-full flex-col rounded-md border text-xs shadow-sm",
        noteColors[data.color ?? "yellow"],
        selected && "ring-2 ring-sky-300",
      )}
      onDoubleClick={() => setDraft(data.text)}
      onKeyDown={(e) => {
        if (!editing && e.key === "Enter") {
          e.preventDefault();
          setDraft(data.text);
        }
      }}
    >
      <NodeResizer isVisible={selected} minWidth={120} minHeight={60} />
      {editing ? (
        <textarea
          aria-label="Note text (Markdown)"
          autoFocus
          className="nodrag nowheel h-full w-full resize-none rounded-md bg-transparent p-2 font-mono text-xs focus:outline-none"
          placeholder="A note (Markdown): what this part does, who to ask…"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            e.stopPropagation();
            if (e.key === "Escape") commit();
          }}
        />
      ) : (
        <div
          className="nowheel h-full overflow-auto p-2 leading-snug text-slate-800 [&_a]:text-sky-800 [&_code]:rounded [&_code]:bg-white/70 [&_code]:px-0.5 [&_code]:font-mono [&_h1]:text-sm [&_h1]:font-bold [&_h2]:font-bold [&_h3]:font-semibold [&_li]:my-0 [&_ol]:list-decimal [&_ol]:pl-4 [&_p]:mb-1 [&_ul]:list-disc [&_ul]:pl-4"
          data-testid="note-text"
        >
          <Markdown
            components={{
              a: ({ href, children }) => (
                <a href={href} target="_blank" rel="noopener noreferrer" className="underline">
                  {children}
                </a>
              ),
            }}
          >
            {data.text}
          </Markdown>
        </div>
      )}
    </div>
  );
}
export const NoteCard = memo(NoteCardImpl);

/** A titled frame: nodes dropped inside it belong to it and move with it. */
function GroupCardImpl({ id, data, selected }: NodeProps<GroupFlowNode>) {
  const updateGroup = useEditor((s) => s.updateGroup);
  const [title, setTitle] = useState(data.title);
  useEffect(() => setTitle(data.title), [data.title]);
  return (
    <div
      data-group-id={id}
      className={cn(
        "h-full w-full rounded-lg border-2 border-dashed bg-slate-100/40",
        selected ? "border-sky-400" : "border-slate-300",
      )}
    >
      <NodeResizer isVisible={selected} minWidth={160} minHeight={100} />
      <input
        aria-label="Group title"
        className="nodrag m-1.5 w-[calc(100%-12px)] rounded bg-transparent px-1 py-0.5 text-sm font-semibold text-slate-700 placeholder:text-slate-400 focus:bg-white focus:outline-2 focus:outline-sky-500"
        placeholder="Group title"
        value={title}
        maxLength={200}
        onChange={(e) => setTitle(e.target.value)}
        onBlur={() => title !== data.title && updateGroup(id, { title })}
        onKeyDown={(e) => {
          if (e.key === "Enter") e.currentTarget.blur();
        }}
      />
    </div>
  );
}
export const GroupCard = memo(GroupCardImpl);
