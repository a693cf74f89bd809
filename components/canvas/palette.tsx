"use client";

import { useMemo, useState, useSyncExternalStore } from "react";
import { nodeDefinitions } from "@/nodes/index";
import { nodeCategories, type NodeDefinition } from "@/nodes/types";
import { categoryStyle } from "./colors";

export const DRAG_MIME = "application/x-flowforge-node";

const SHOW_INTERNAL_KEY = "flowforge.palette.showInternal";
const subscribe = (cb: () => void) => {
  window.addEventListener("storage", cb);
  return () => window.removeEventListener("storage", cb);
};

/** The node Enter adds: a title that starts with the words, then one that has them, then the rest. */
function best(defs: NodeDefinition[], query: string): NodeDefinition | undefined {
  const q = query.trim().toLowerCase();
  const rank = (d: NodeDefinition) => {
    const title = d.title.toLowerCase();
    return title.startsWith(q) ? 0 : title.includes(q) ? 1 : d.type.includes(q) ? 2 : 3;
  };
  return [...defs].sort((a, b) => rank(a) - rank(b))[0];
}

export function Palette({ onAdd }: { onAdd: (type: string) => void }) {
  const [query, setQuery] = useState("");
  const showInternal = useSyncExternalStore(
    subscribe,
    () => localStorage.getItem(SHOW_INTERNAL_KEY) === "1",
    () => false,
  );
  const setShowInternal = (v: boolean) => {
    localStorage.setItem(SHOW_INTERNAL_KEY, v ? "1" : "0");
    window.dispatchEvent(new StorageEvent("storage"));
  };
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const defs = (Object.values(nodeDefinitions) as NodeDefinition[]).filter(
      (d) =>
        (showInternal || !d.internal) &&
        (!q || `${d.title} ${d.type} ${d.description}`.toLowerCase().includes(q)),
    );
    return nodeCategories
      .map((c) => ({ category: c, defs: defs.filter((d) => d.category === c) }))
      .filter((g) => g.defs.length);
  }, [query, showInternal]);

  return (
    <aside
      aria-label="Node palette"
      className="flex w-56 shrink-0 flex-col gap-2 overflow-y-auto border-r border-slate-200 bg-white p-3"
    >
      <input
        type="search"
        placeholder="Search nodes"
        aria-label="Search nodes"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          // Enter adds the first match (after the selected node, connected, when one is).
          const first = best(
            groups.flatMap((g) => g.defs),
            query,
          );
          if (e.key === "Enter" && query.trim() && first) {
            e.preventDefault();
            onAdd(first.type);
            e.currentTarget.select();
          }
        }}
        className="rounded border border-slate-300 px-2 py-1 text-sm focus-visible:outline-2 focus-visible:outline-sky-500"
      />
      {groups.length === 0 && (
        <p className="text-xs text-slate-500">
          {query
            ? "No node matches."
            : "The catalog's ingest, prep and train nodes arrive with the next releases."}
        </p>
      )}
      {groups.map((g) => (
        <section key={g.category} aria-label={categoryStyle[g.category].label}>
          <h3 className="mb-1 text-[11px] font-semibold tracking-wide text-slate-500 uppercase">
            {categoryStyle[g.category].label}
          </h3>
          <ul className="space-y-1">
            {g.defs.map((d) => (
              <li key={d.type}>
                <button
                  type="button"
                  draggable
                  onDragStart={(e) => {
                    e.dataTransfer.setData(DRAG_MIME, d.type);
                    e.dataTransfer.effectAllowed = "move";
                  }}
                  onClick={() => onAdd(d.type)}
                  title={d.description}
                  data-palette-type={d.type}
                  className="flex w-full items-center gap-2 rounded border border-slate-200 px-2 py-1 text-left text-xs hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-sky-500"
                >
                  <span
                    className={`h-3 w-1 rounded ${categoryStyle[d.category].bar}`}
                    aria-hidden
                  />
                  {d.title}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
      <label className="mt-auto flex items-center gap-2 pt-2 text-xs text-slate-500">
        <input
          type="checkbox"
          checked={showInternal}
          onChange={(e) => setShowInternal(e.target.checked)}
        />
        Show internal test nodes
      </label>
    </aside>
  );
}
