"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState, type ReactNode } from "react";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { StatusBadge } from "@/components/ui/status-badge";
import { formatDuration } from "./duration";
import { liveRunStatuses, runStatusList } from "@/common/run-status";

const statuses = runStatusList;
type Status = (typeof statuses)[number];
type Sort = "createdAt" | "duration" | "status" | "pipeline";
const PAGE = 50;
const tagPattern = /^[\w.:-]{1,40}$/;
const uuidPattern = /^[0-9a-f-]{36}$/;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

export function formatSeconds(s: number | null): string {
  if (s === null) return "—";
  if (s === 0) return "0";
  if (s < 10) return s.toFixed(2);
  if (s < 600) return s.toFixed(1);
  return `${Math.round(s / 60)} min`;
}

function formatMetric(m: { name: string; value: number } | null) {
  if (!m) return "—";
  const v = Math.abs(m.value) >= 100 ? m.value.toFixed(1) : m.value.toPrecision(4);
  return `${m.name} ${v}`;
}

/** The filters as the URL holds them; anything malformed is ignored, not sent. */
function readFilters(params: URLSearchParams) {
  const get = (k: string) => params.get(k) ?? "";
  const status = get("status");
  const sort = get("sort");
  const page = Math.max(1, Number.parseInt(get("page") || "1", 10) || 1);
  return {
    pipeline: uuidPattern.test(get("pipeline")) ? get("pipeline") : "",
    status: (statuses as readonly string[]).includes(status) ? (status as Status) : undefined,
    user: uuidPattern.test(get("user")) ? get("user") : "",
    from: datePattern.test(get("from")) ? get("from") : "",
    to: datePattern.test(get("to")) ? get("to") : "",
    tag: get("tag"),
    sort: (["createdAt", "duration", "status", "pipeline"] as string[]).includes(sort)
      ? (sort as Sort)
      : "createdAt",
    order: get("order") === "asc" ? ("asc" as const) : ("desc" as const),
    page,
  };
}

/** Run history: filters in the URL, sortable columns, and runs picked for comparison. */
export function HistoryTable() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const f = readFilters(new URLSearchParams(params.toString()));
  // Kept with their creation times so the comparison reads oldest to newest, left to right.
  const [picked, setPicked] = useState<{ id: string; createdAt: string }[]>([]);
  const [tagDraft, setTagDraft] = useState<string | null>(null);

  const setParams = (changes: Record<string, string>, keepPage = false) => {
    // From the address bar, not this render's params: two quick changes must not undo each other.
    const next = new URLSearchParams(window.location.search);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!keepPage) next.delete("page");
    const qs = next.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };

  const tag = tagPattern.test(f.tag) ? f.tag : undefined;
  const input = {
    pipelineId: f.pipeline || undefined,
    status: f.status,
    triggeredBy: f.user || undefined,
    // Date inputs are days in the viewer's time zone: from its first to its last millisecond.
    from: f.from ? new Date(`${f.from}T00:00:00`).toISOString() : undefined,
    to: f.to ? new Date(`${f.to}T23:59:59.999`).toISOString() : undefined,
    tag,
    sort: f.sort,
    order: f.order,
    limit: PAGE,
    offset: (f.page - 1) * PAGE,
  };
  const history = useQuery(
    trpc.history.runs.queryOptions(input, {
      refetchInterval: (q) =>
        q.state.data?.rows.some((r) => liveRunStatuses.has(r.status)) ? 2000 : 10_000,
      placeholderData: (prev) => prev,
    }),
  );
  const qc = useQueryClient();
  const pipelines = useQuery(trpc.pipelines.list.queryOptions());
  const people = useQuery(trpc.history.users.queryOptions());

  const toggleSort = (sort: Sort) =>
    setParams(
      {
        sort: sort === "createdAt" ? "" : sort,
        order: f.sort === sort && f.order === "desc" ? "asc" : "",
      },
      true,
    );
  const sortHeader = (sort: Sort, label: string) => (
    <th aria-sort={f.sort === sort ? (f.order === "asc" ? "ascending" : "descending") : "none"}>
      <button
        type="button"
        className="inline-flex items-center gap-1 hover:text-slate-900"
        onClick={() => toggleSort(sort)}
      >
        {label}
        <span aria-hidden className="text-[10px]">
          {f.sort === sort ? (f.order === "asc" ? "▲" : "▼") : "↕"}
        </span>
      </button>
    </th>
  );
  const togglePick = (id: string, createdAt: string, on: boolean) =>
    setPicked((p) => [...p.filter((x) => x.id !== id), ...(on ? [{ id, createdAt }] : [])]);
  const compare = () => {
    const ids = [...picked]
      .sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime())
      .map((x) => x.id);
    router.push(`/runs/compare?ids=${ids.join(",")}`);
  };

  const tagValue = tagDraft ?? f.tag;
  const tagInvalid = tagValue !== "" && !tagPattern.test(tagValue);
  const filtered = Boolean(f.pipeline || f.status || f.user || f.from || f.to || f.tag);
  const total = history.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE));

  return (
    <div className="space-y-4">
      <div
        className="flex flex-wrap items-end gap-3 rounded border border-slate-200 bg-white p-3 text-sm"
        role="search"
        aria-label="Filter runs"
      >
        <Field label="Pipeline">
          <select
            value={f.pipeline}
            onChange={(e) => setParams({ pipeline: e.target.value })}
            className={control}
          >
            <option value="">All pipelines</option>
            {pipelines.data?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Status">
          <select
            value={f.status ?? ""}
            onChange={(e) => setParams({ status: e.target.value })}
            className={control}
          >
            <option value="">Any status</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s.replaceAll("_", " ")}
              </option>
            ))}
          </select>
        </Field>
        <Field label="User">
          <select
            value={f.user}
            onChange={(e) => setParams({ user: e.target.value })}
            className={control}
          >
            <option value="">Anyone</option>
            {people.data?.map((u) => (
              <option key={u.id} value={u.id}>
                {u.email}
              </option>
            ))}
          </select>
        </Field>
        <Field label="From">
          <input
            type="date"
            value={f.from}
            max={f.to || undefined}
            onChange={(e) => setParams({ from: e.target.value })}
            className={control}
          />
        </Field>
        <Field label="To">
          <input
            type="date"
            value={f.to}
            min={f.from || undefined}
            onChange={(e) => setParams({ to: e.target.value })}
            className={control}
          />
        </Field>
        <Field label="Tag">
          <input
            type="search"
            value={tagValue}
            placeholder="e.g. nightly"
            aria-invalid={tagInvalid}
            onChange={(e) => setTagDraft(e.target.value)}
            onBlur={() => {
              if (tagDraft !== null && !tagInvalid) setParams({ tag: tagDraft.trim() });
              setTagDraft(null);
            }}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !tagInvalid) {
                setParams({ tag: tagValue.trim() });
                setTagDraft(null);
              }
            }}
            className={control}
          />
        </Field>
        {f.pipeline && (
          <KeyMetricPicker
            pipelineId={f.pipeline}
            onChange={() => void qc.invalidateQueries({ queryKey: trpc.history.runs.queryKey() })}
          />
        )}
        {filtered && (
          <Button
            variant="secondary"
            size="sm"
            onClick={() => {
              setTagDraft(null);
              setParams({ pipeline: "", status: "", user: "", from: "", to: "", tag: "" });
            }}
          >
            Clear filters
          </Button>
        )}
        <div className="ml-auto flex items-center gap-2">
          <span className="text-xs text-slate-500" aria-live="polite">
            {picked.length ? `${picked.length} picked` : "Pick 2 to 5 runs to compare"}
          </span>
          <Button size="sm" disabled={picked.length < 2 || picked.length > 5} onClick={compare}>
            Compare
          </Button>
        </div>
      </div>
      {tagInvalid && (
        <p className="text-xs text-rose-700">A tag is 1 to 40 letters, digits, and . _ : - only.</p>
      )}

      {history.isPending && <p className="text-sm text-slate-500">Loading runs…</p>}
      {history.isError && (
        <p className="text-sm text-rose-700">Could not load runs: {history.error.message}</p>
      )}
      {history.data && history.data.rows.length === 0 && (
        <p className="text-sm text-slate-500">
          {filtered ? "No runs match these filters." : "No runs yet."}
        </p>
      )}
      {history.data && history.data.rows.length > 0 && (
        <div className="overflow-x-auto">
          <table
            className={cn(
              // Space between columns: right-aligned numbers otherwise run into their neighbours.
              "w-full border-collapse text-sm [&_td]:px-2 [&_th]:px-2",
              history.isPlaceholderData && "opacity-60",
            )}
            aria-label="Runs"
            aria-busy={history.isPlaceholderData}
          >
            <thead>
              <tr className="border-b border-slate-200 text-left whitespace-nowrap text-slate-500">
                <th className="w-8 py-2">
                  <span className="sr-only">Compare</span>
                </th>
                <th>Run</th>
                {sortHeader("pipeline", "Pipeline")}
                {sortHeader("status", "Status")}
                <th>Triggered by</th>
                <th>Tags</th>
                {sortHeader("createdAt", "Started")}
                {sortHeader("duration", "Duration")}
                <th className="text-right">Steps</th>
                <th className="text-right">Cached</th>
                <th className="text-right" title="CPU seconds of executed steps">
                  CPU s
                </th>
                <th className="text-right" title="GPU seconds of executed steps">
                  GPU s
                </th>
                <th className="pl-3">Key metric</th>
              </tr>
            </thead>
            <tbody>
              {history.data.rows.map((r) => {
                const isPicked = picked.some((x) => x.id === r.id);
                return (
                  <tr
                    key={r.id}
                    className={`border-b border-slate-100 ${isPicked ? "bg-sky-50" : ""}`}
                    data-run-id={r.id}
                  >
                    <td className="py-2">
                      <input
                        type="checkbox"
                        aria-label={`Pick run ${r.id.slice(0, 8)} to compare`}
                        checked={isPicked}
                        disabled={!isPicked && picked.length >= 5}
                        onChange={(e) => togglePick(r.id, r.createdAt, e.target.checked)}
                      />
                    </td>
                    <td className="font-mono text-xs">
                      <Link href={`/runs/${r.id}`} className="text-sky-700 hover:underline">
                        {r.id.slice(0, 8)}
                      </Link>
                    </td>
                    <td>
                      {r.pipelineName} <span className="text-slate-400">v{r.version}</span>
                    </td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td className="max-w-[12rem] truncate" title={r.triggeredByLabel}>
                      {r.triggeredByLabel}
                    </td>
                    <td>
                      <span className="flex flex-wrap gap-1">
                        {r.tags.map((t) => (
                          <button
                            key={t}
                            type="button"
                            className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700 hover:bg-slate-200"
                            title={`Show runs tagged ${t}`}
                            onClick={() => setParams({ tag: t })}
                          >
                            {t}
                          </button>
                        ))}
                      </span>
                    </td>
                    <td className="whitespace-nowrap">{new Date(r.createdAt).toLocaleString()}</td>
                    <td className="whitespace-nowrap">
                      {formatDuration(r.startedAt, r.finishedAt)}
                    </td>
                    <td className="text-right">{r.stepCount}</td>
                    <td className="text-right">{r.cacheHits}</td>
                    <td className="text-right">{formatSeconds(r.cpuSeconds)}</td>
                    <td className="text-right">{formatSeconds(r.gpuSeconds)}</td>
                    <td className="pl-3 font-mono text-xs whitespace-nowrap">
                      {formatMetric(r.keyMetric)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {total > PAGE && (
        <nav className="flex items-center gap-3 text-sm" aria-label="Pages">
          <Button
            variant="secondary"
            size="sm"
            disabled={f.page <= 1}
            onClick={() => setParams({ page: String(f.page - 1) }, true)}
          >
            Previous
          </Button>
          <span className="text-slate-500">
            Page {f.page} of {pages} · {total} runs
          </span>
          <Button
            variant="secondary"
            size="sm"
            disabled={f.page >= pages}
            onClick={() => setParams({ page: String(f.page + 1) }, true)}
          >
            Next
          </Button>
        </nav>
      )}
    </div>
  );
}

const control = "rounded border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900";

/** The pipeline's key metric, the runs list's headline: test metric by default. */
function KeyMetricPicker({ pipelineId, onChange }: { pipelineId: string; onChange: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const current = useQuery(trpc.pipelines.keyMetric.queryOptions({ pipelineId }));
  const set = useMutation(
    trpc.pipelines.setKeyMetric.mutationOptions({
      onSuccess: () => {
        void qc.invalidateQueries({ queryKey: trpc.pipelines.keyMetric.queryKey({ pipelineId }) });
        onChange();
      },
    }),
  );
  if (!current.data) return null;
  const { splits, names } = current.data;
  return (
    <Field label="Key metric">
      <select
        value={current.data.keyMetric ?? ""}
        disabled={set.isPending}
        onChange={(e) => set.mutate({ pipelineId, keyMetric: e.target.value || null })}
        className={control}
      >
        <option value="">Default (test, as the trainer scores)</option>
        {splits.flatMap((split) =>
          names.map((name) => (
            <option key={`${split}.${name}`} value={`${split}.${name}`}>
              {split} {name}
            </option>
          )),
        )}
      </select>
    </Field>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
      {label}
      {children}
    </label>
  );
}
