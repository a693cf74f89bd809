"use client";

import { useQueries, useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef, useState } from "react";
import { useTRPC } from "@/components/trpc";
import type { ColumnProfile as Profile } from "@/lib/data/dataset";
import type { RowQuery } from "@/server/services/datasets";

const PAGE = 100;
const ROW_HEIGHT = 28;
type Op = NonNullable<RowQuery["filter"]>["op"];
// The server's operators (rowFilterOps), listed here for the form; the type keeps them in step.
const OPS: readonly Op[] = ["contains", "=", "!=", ">", ">=", "<", "<=", "is null", "is not null"];

const cell = (v: unknown) =>
  v === null || v === undefined ? (
    <span className="text-slate-400">null</span>
  ) : typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? (
    String(v)
  ) : (
    JSON.stringify(v)
  );

const short = (n: number | null) =>
  n === null
    ? "—"
    : Math.abs(n) >= 1e5 || (n !== 0 && Math.abs(n) < 1e-3)
      ? n.toExponential(2)
      : String(Math.round(n * 1000) / 1000);

/** One column's profile: nulls, distinct, range and mean, and its histogram or top values. */
function ColumnProfile({ p, role }: { p: Profile; role?: string }) {
  const bars =
    p.histogram?.map((b) => ({ label: `${short(b.from)} – ${short(b.to)}`, count: b.count })) ??
    p.topValues?.map((t) => ({ label: t.value ?? "null", count: t.count })) ??
    [];
  const most = Math.max(1, ...bars.map((b) => b.count));
  return (
    <section
      className="w-56 shrink-0 rounded border border-slate-200 bg-white p-2 text-[11px]"
      aria-label={`Profile of ${p.name}`}
      data-testid="column-profile"
    >
      <h3 className="truncate text-xs font-semibold text-slate-800" title={p.name}>
        {p.name}
      </h3>
      <p className="mb-1 text-slate-500">
        {p.type}
        {role && <span className="ml-1 rounded bg-amber-100 px-1 text-amber-900">{role}</span>}
      </p>
      <dl className="mb-1 grid grid-cols-2 gap-x-2 text-slate-700">
        <dt>nulls</dt>
        <dd className={p.nulls ? "text-rose-700" : ""}>
          {p.nulls} ({p.count ? Math.round((100 * p.nulls) / p.count) : 0}%)
        </dd>
        <dt>distinct</dt>
        <dd>{p.distinct}</dd>
        {p.mean !== null && (
          <>
            <dt>mean</dt>
            <dd>{short(p.mean)}</dd>
          </>
        )}
        <dt>min</dt>
        <dd className="truncate" title={p.min ?? ""}>
          {p.min ?? "—"}
        </dd>
        <dt>max</dt>
        <dd className="truncate" title={p.max ?? ""}>
          {p.max ?? "—"}
        </dd>
      </dl>
      <ul className="space-y-px" aria-label={p.histogram ? "Histogram" : "Top values"}>
        {bars.map((b, i) => (
          <li key={i} className="flex items-center gap-1" title={`${b.label}: ${b.count}`}>
            <span className="w-20 truncate text-slate-500">{b.label}</span>
            <span
              className="h-2 rounded-sm bg-sky-500"
              style={{ width: `${(100 * b.count) / most}%`, maxWidth: "6rem" }}
            />
            <span className="text-slate-500">{b.count}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * Any dataset artifact, full width: its columns with types and roles, the stored profile of each
 * column, and its rows, virtualised (pages of 100 are fetched as they scroll into view), sorted
 * by a column header and filtered by one condition.
 */
export function DataViewer({ hash, title }: { hash: string; title?: string }) {
  const trpc = useTRPC();
  const head = useQuery(trpc.artifacts.dataset.queryOptions({ hash, limit: 1 }));
  const [sort, setSort] = useState<{ column: string; desc: boolean } | undefined>();
  const [filter, setFilter] = useState<{ column: string; op: Op; value?: string } | undefined>();
  const [draft, setDraft] = useState<{ column: string; op: Op; value: string }>({
    column: "",
    op: "contains",
    value: "",
  });
  const scroller = useRef<HTMLDivElement>(null);

  const first = useQuery(
    trpc.artifacts.rows.queryOptions({ hash, offset: 0, limit: PAGE, sort, filter }),
  );
  const total = first.data?.total ?? 0;
  const virtual = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const items = virtual.getVirtualItems();
  const pages = [...new Set(items.map((i) => Math.floor(i.index / PAGE)).filter((p) => p > 0))];
  const more = useQueries({
    queries: pages.map((p) =>
      trpc.artifacts.rows.queryOptions(
        { hash, offset: p * PAGE, limit: PAGE, sort, filter },
        { staleTime: 60_000 },
      ),
    ),
  });
  const rowAt = (index: number) => {
    const page = Math.floor(index / PAGE);
    const data = page === 0 ? first.data : more[pages.indexOf(page)]?.data;
    return data?.rows[index - page * PAGE];
  };

  if (head.isPending) return <p className="p-6 text-sm text-slate-500">Loading…</p>;
  if (head.isError) return <p className="p-6 text-sm text-rose-700">{head.error.message}</p>;
  const { schema, rowCount, profile, roles } = head.data;
  const roleOf = (name: string) =>
    roles?.label === name
      ? "label"
      : roles?.ids?.includes(name)
        ? "id"
        : roles?.ignored?.includes(name)
          ? "ignored"
          : undefined;
  const width = `${Math.max(8, 100 / Math.max(1, schema.length))}rem`;
  const columns = `repeat(${schema.length}, minmax(8rem, ${width}))`;

  return (
    <div className="flex h-full min-h-0 flex-col gap-3" data-testid="data-viewer">
      <header className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-lg font-semibold">{title ?? "Dataset"}</h1>
        <p className="text-sm text-slate-600">
          {rowCount.toLocaleString()} rows · {schema.length} columns
          {filter && ` · ${total.toLocaleString()} match the filter`}
        </p>
        <a
          href={`/api/artifacts/${hash}`}
          download
          className="text-sm text-sky-700 hover:underline"
        >
          Download (Parquet)
        </a>
      </header>

      <div className="flex gap-2 overflow-x-auto pb-1" aria-label="Column profiles">
        {profile?.map((p) => (
          <ColumnProfile key={p.name} p={p} role={roleOf(p.name)} />
        ))}
      </div>

      <form
        className="flex flex-wrap items-center gap-2 text-sm"
        aria-label="Filter rows"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(draft.column ? { ...draft } : undefined);
          virtual.scrollToIndex(0);
        }}
      >
        <label className="text-slate-600" htmlFor="filter-column">
          Filter
        </label>
        <select
          id="filter-column"
          aria-label="Filter column"
          className="rounded border border-slate-300 px-1 py-0.5"
          value={draft.column}
          onChange={(e) => setDraft({ ...draft, column: e.target.value })}
        >
          <option value="">no filter</option>
          {schema.map((c) => (
            <option key={c.name}>{c.name}</option>
          ))}
        </select>
        <select
          aria-label="Filter operator"
          className="rounded border border-slate-300 px-1 py-0.5"
          value={draft.op}
          onChange={(e) => setDraft({ ...draft, op: e.target.value as Op })}
        >
          {OPS.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
        {!draft.op.startsWith("is") && (
          <input
            aria-label="Filter value"
            className="w-40 rounded border border-slate-300 px-1 py-0.5"
            value={draft.value}
            onChange={(e) => setDraft({ ...draft, value: e.target.value })}
          />
        )}
        <button type="submit" className="rounded bg-slate-800 px-2 py-0.5 text-white">
          Apply
        </button>
        {first.isError && <span className="text-rose-700">{first.error.message}</span>}
      </form>

      <div
        ref={scroller}
        className="min-h-0 flex-1 overflow-auto rounded border border-slate-200 bg-white text-xs"
        role="table"
        aria-label="Rows"
        aria-rowcount={total}
      >
        <div
          role="row"
          className="sticky top-0 z-10 grid border-b border-slate-300 bg-slate-50"
          style={{ gridTemplateColumns: columns, width: "max-content", minWidth: "100%" }}
        >
          {schema.map((c) => {
            const sorted = sort?.column === c.name;
            return (
              <button
                key={c.name}
                type="button"
                role="columnheader"
                aria-sort={sorted ? (sort.desc ? "descending" : "ascending") : "none"}
                className="truncate px-2 py-1 text-left hover:bg-slate-100"
                title={`${c.name} (${c.type}): sort`}
                onClick={() => {
                  setSort(sorted && sort.desc ? undefined : { column: c.name, desc: sorted });
                  virtual.scrollToIndex(0);
                }}
              >
                <span className="font-medium text-slate-800">{c.name}</span>
                {sorted && (sort.desc ? " ↓" : " ↑")}
                <span className="block text-[10px] font-normal text-slate-500">
                  {c.type}
                  {roleOf(c.name) && ` · ${roleOf(c.name)}`}
                </span>
              </button>
            );
          })}
        </div>
        <div
          style={{
            height: virtual.getTotalSize(),
            position: "relative",
            width: "max-content",
            minWidth: "100%",
          }}
        >
          {items.map((item) => {
            const r = rowAt(item.index);
            return (
              <div
                key={item.key}
                role="row"
                aria-rowindex={item.index + 1}
                className="absolute left-0 grid border-b border-slate-100 odd:bg-slate-50/50"
                style={{
                  top: item.start,
                  height: ROW_HEIGHT,
                  gridTemplateColumns: columns,
                  width: "max-content",
                  minWidth: "100%",
                }}
              >
                {schema.map((c) => (
                  <span key={c.name} role="cell" className="truncate px-2 leading-7 text-slate-700">
                    {r ? cell(r[c.name]) : <span className="text-slate-300">…</span>}
                  </span>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
