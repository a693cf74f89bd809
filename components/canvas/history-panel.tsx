"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";
import type { PipelineDiff } from "@/common/pipeline/diff";
import type { PipelineFile } from "@/common/pipeline/schema";
import { useEditor } from "./store";

export function HistoryPanel({ pipelineId, onClose }: { pipelineId: string; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const versions = useQuery(trpc.pipelines.versions.queryOptions({ pipelineId }));
  const [picked, setPicked] = useState<number[]>([]);
  const [error, setError] = useState<string | null>(null);
  const { load, setDiff, isDirty } = useEditor.getState();

  const loadVersion = async (version: number) => {
    const v = await queryClient.fetchQuery(
      trpc.pipelines.get.queryOptions({ pipelineId, version }),
    );
    return v.graph as PipelineFile;
  };
  const guard = () => !isDirty() || window.confirm("Discard your unsaved changes?");

  const restore = async (version: number) => {
    if (!guard()) return;
    try {
      // Restoring puts the old content on the canvas; saving it makes it the newest version.
      load(pipelineId, await loadVersion(version), { dirty: true });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const compare = async () => {
    const [from, to] = [...picked].sort((a, b) => a - b);
    if (from === undefined || to === undefined || !guard()) return;
    try {
      const [doc, diff] = await Promise.all([
        loadVersion(to),
        queryClient.fetchQuery(trpc.pipelines.diff.queryOptions({ pipelineId, from, to })),
      ]);
      load(pipelineId, doc);
      setDiff(diff as PipelineDiff);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <aside
      aria-label="Version history"
      className="w-72 shrink-0 overflow-y-auto border-l border-slate-200 bg-white p-3 text-sm"
    >
      <div className="mb-2 flex items-center justify-between">
        <h2 className="font-semibold">History</h2>
        <Button variant="secondary" size="sm" onClick={onClose}>
          Close
        </Button>
      </div>
      {versions.isPending && <p className="text-xs text-slate-500">Loading…</p>}
      {versions.isError && <p className="text-xs text-rose-700">{versions.error.message}</p>}
      {error && <p className="text-xs text-rose-700">{error}</p>}
      <ul className="space-y-2">
        {versions.data?.map((v) => (
          <li key={v.id} className="rounded border border-slate-200 p-2" data-version={v.version}>
            <div className="flex items-center gap-2">
              <input
                type="checkbox"
                aria-label={`Pick version ${v.version} to compare`}
                checked={picked.includes(v.version)}
                onChange={(e) =>
                  setPicked((p) =>
                    e.target.checked
                      ? [...p, v.version].slice(-2)
                      : p.filter((x) => x !== v.version),
                  )
                }
              />
              <span className="font-medium">v{v.version}</span>
              <span className="ml-auto text-[11px] text-slate-500">
                {new Date(v.createdAt).toLocaleString()}
              </span>
            </div>
            <p className="text-[11px] text-slate-500">
              {v.createdBy ?? "anonymous"}
              {v.message ? ` · ${v.message}` : ""}
            </p>
            <Button
              variant="secondary"
              size="sm"
              className="mt-1"
              onClick={() => void restore(v.version)}
            >
              Restore v{v.version}
            </Button>
          </li>
        ))}
      </ul>
      <div className="mt-3 flex gap-2">
        <Button size="sm" disabled={picked.length !== 2} onClick={() => void compare()}>
          Compare selected
        </Button>
        <Button variant="secondary" size="sm" onClick={() => setDiff(null)}>
          Clear diff
        </Button>
      </div>
    </aside>
  );
}
