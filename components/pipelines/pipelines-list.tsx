"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
// Type-only: no server code reaches the browser bundle (see docs/decisions.md).
import type { AppRouter } from "@/server/api/root";
import { liveRunStatuses } from "@/common/run-status";

type PipelineRow = inferRouterOutputs<AppRouter>["pipelines"]["list"][number];
type Template = inferRouterOutputs<AppRouter>["pipelines"]["templates"][number];

const SEARCH_DEBOUNCE_MS = 250;
const focusRing =
  "rounded-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-500";

/** Dates arrive as ISO strings over tRPC (no transformer); both forms are accepted. */
function formatTime(value: Date | string) {
  return new Date(value).toLocaleString();
}
function isoTime(value: Date | string) {
  return new Date(value).toISOString();
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function PipelinesList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const search = useDebounced(text.trim(), SEARCH_DEBOUNCE_MS);
  const list = useQuery(
    trpc.pipelines.list.queryOptions(search ? { search } : undefined, {
      placeholderData: keepPreviousData,
      refetchInterval: (q) =>
        q.state.data?.some((p) => p.lastRun && liveRunStatuses.has(p.lastRun.status)) ? 2000 : false,
    }),
  );
  const [templatesOpen, setTemplatesOpen] = useState<boolean | null>(null);
  const [toDelete, setToDelete] = useState<{ id: string; name: string } | null>(null);
  const [notice, setNotice] = useState("");
  const searchRef = useRef<HTMLInputElement>(null);
  const deleteOpener = useRef<HTMLElement | null>(null);
  const searchId = useId();
  const panelId = useId();
  const newButtonId = useId();

  const invalidateList = () => queryClient.invalidateQueries(trpc.pipelines.list.pathFilter());
  const duplicate = useMutation(trpc.pipelines.duplicate.mutationOptions());

  const noPipelinesAtAll = list.isSuccess && list.data.length === 0 && !search;
  // With nothing to list, the templates are the way in: show them until the user closes them.
  const showTemplates = templatesOpen ?? noPipelinesAtAll;

  const closeTemplates = () => {
    setTemplatesOpen(false);
    document.getElementById(newButtonId)?.focus();
  };

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <h1 className="text-xl font-semibold">Pipelines</h1>
        <div className="flex flex-wrap items-end gap-3">
          <div className="flex flex-col gap-1">
            <label htmlFor={searchId} className="text-xs font-medium text-slate-600">
              Search
            </label>
            <input
              ref={searchRef}
              id={searchId}
              type="search"
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder="Name or description"
              maxLength={200}
              autoComplete="off"
              className="h-9 w-72 rounded-md border border-slate-300 bg-white px-3 text-sm placeholder:text-slate-400 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-500"
            />
          </div>
          <Button
            id={newButtonId}
            aria-expanded={showTemplates}
            aria-controls={panelId}
            onClick={() => setTemplatesOpen(!showTemplates)}
          >
            New pipeline
            <span aria-hidden="true" className="text-xs">
              {showTemplates ? "▴" : "▾"}
            </span>
          </Button>
        </div>
      </div>

      <TemplatesPanel
        id={panelId}
        hidden={!showTemplates}
        onClose={closeTemplates}
        onCreated={invalidateList}
      />

      <p role="status" aria-live="polite" className="min-h-5 text-sm text-slate-600">
        {notice}
      </p>

      {list.isPending ? (
        <p className="text-sm text-slate-500">Loading pipelines…</p>
      ) : list.isError ? (
        <p role="alert" className="text-sm text-rose-700">
          Could not load pipelines: {list.error.message}
        </p>
      ) : list.data.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
          {search ? (
            <p className="text-sm text-slate-600">
              No pipelines match “<span className="font-medium">{search}</span>”.
            </p>
          ) : (
            <>
              <p className="font-medium">No pipelines yet</p>
              <p className="mt-1 text-sm text-slate-600">
                Start from a template: press New pipeline above.
              </p>
            </>
          )}
        </div>
      ) : (
        <PipelinesTable
          rows={list.data}
          busy={list.isFetching && list.isPlaceholderData}
          duplicatingId={duplicate.isPending ? duplicate.variables?.pipelineId : undefined}
          onDuplicate={(row) => {
            setNotice("");
            duplicate.mutate(
              { pipelineId: row.id },
              {
                onSuccess: () => {
                  void invalidateList().then(() =>
                    setNotice(`Duplicated ${row.name} as ${row.name} (copy).`),
                  );
                },
                onError: (err) => setNotice(`Could not duplicate ${row.name}: ${err.message}`),
              },
            );
          }}
          onDelete={(row, opener) => {
            deleteOpener.current = opener;
            setNotice("");
            setToDelete({ id: row.id, name: row.name });
          }}
        />
      )}

      <DeleteDialog
        target={toDelete}
        onRefresh={invalidateList}
        onDeleted={async (name) => {
          await invalidateList();
          setNotice(`Deleted ${name}.`);
        }}
        onClose={(deleted) => {
          setToDelete(null);
          // The row's Delete button is gone after a delete; go back to the search box instead.
          const opener = deleteOpener.current;
          deleteOpener.current = null;
          if (!deleted && opener?.isConnected) opener.focus();
          else searchRef.current?.focus();
        }}
      />
    </div>
  );
}

function PipelinesTable({
  rows,
  busy,
  duplicatingId,
  onDuplicate,
  onDelete,
}: {
  rows: PipelineRow[];
  busy: boolean;
  duplicatingId: string | undefined;
  onDuplicate: (row: PipelineRow) => void;
  onDelete: (row: PipelineRow, opener: HTMLElement) => void;
}) {
  return (
    <table
      className="w-full border-collapse text-sm"
      aria-label="Pipelines"
      aria-busy={busy || undefined}
    >
      <thead>
        <tr className="border-b border-slate-200 text-left text-slate-500">
          <th scope="col" className="py-2 pr-4">
            Name
          </th>
          <th scope="col" className="pr-4 whitespace-nowrap">
            Version
          </th>
          <th scope="col" className="pr-4 whitespace-nowrap">
            Nodes
          </th>
          <th scope="col" className="pr-4 whitespace-nowrap">
            Updated
          </th>
          <th scope="col" className="pr-4 whitespace-nowrap">
            Last run
          </th>
          <th scope="col" className="text-right">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((p) => (
          <tr key={p.id} className="border-b border-slate-100 align-top" data-pipeline-id={p.id}>
            <td className="min-w-48 py-2 pr-4 [overflow-wrap:anywhere]">
              <Link
                href={`/pipelines/${p.id}`}
                className={`font-medium text-sky-700 hover:underline ${focusRing}`}
              >
                {p.name}
              </Link>
              {p.description && (
                <p className="mt-0.5 line-clamp-2 text-xs text-slate-500">{p.description}</p>
              )}
            </td>
            <td className="py-2 pr-4 whitespace-nowrap text-slate-600">
              {p.latestVersion === null ? "—" : `v${p.latestVersion}`}
            </td>
            <td className="py-2 pr-4 whitespace-nowrap tabular-nums">{p.nodeCount}</td>
            <td className="py-2 pr-4 whitespace-nowrap text-slate-600">
              <time dateTime={isoTime(p.updatedAt)}>{formatTime(p.updatedAt)}</time>
            </td>
            <td className="py-2 pr-4 whitespace-nowrap">
              {p.lastRun ? (
                <Link
                  href={`/runs/${p.lastRun.id}`}
                  className={`inline-flex items-center gap-2 text-slate-600 hover:underline ${focusRing}`}
                >
                  <StatusBadge status={p.lastRun.status} />
                  <time dateTime={isoTime(p.lastRun.createdAt)}>
                    {formatTime(p.lastRun.createdAt)}
                  </time>
                </Link>
              ) : (
                <span className="text-slate-400">Never run</span>
              )}
            </td>
            <td className="py-1.5 whitespace-nowrap">
              <div className="flex justify-end gap-2">
                <Button
                  variant="secondary"
                  size="sm"
                  aria-label={`Duplicate ${p.name}`}
                  disabled={duplicatingId === p.id}
                  onClick={() => onDuplicate(p)}
                >
                  {duplicatingId === p.id ? "Duplicating…" : "Duplicate"}
                </Button>
                <Button
                  variant="secondary"
                  size="sm"
                  className="text-rose-700 hover:bg-rose-50"
                  aria-label={`Delete ${p.name}`}
                  aria-haspopup="dialog"
                  onClick={(e) => onDelete(p, e.currentTarget)}
                >
                  Delete
                </Button>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TemplatesPanel({
  id,
  hidden,
  onClose,
  onCreated,
}: {
  id: string;
  hidden: boolean;
  onClose: () => void;
  onCreated: () => Promise<void>;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const headingId = useId();
  const templates = useQuery(
    trpc.pipelines.templates.queryOptions(undefined, { staleTime: 5 * 60_000, enabled: !hidden }),
  );
  const create = useMutation(
    trpc.pipelines.createFromTemplate.mutationOptions({
      onSuccess: async ({ pipelineId }) => {
        await onCreated();
        router.push(`/pipelines/${pipelineId}`);
      },
    }),
  );
  // Once created, the page is navigating away: keep every Create button off until it has.
  const creating = create.isPending || create.isSuccess;

  return (
    <section
      id={id}
      hidden={hidden}
      aria-labelledby={headingId}
      className="rounded-lg border border-slate-200 bg-white p-4"
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="mb-3 flex items-center justify-between gap-4">
        <h2 id={headingId} className="font-semibold">
          New pipeline from a template
        </h2>
        <div className="flex items-center gap-2">
          <Link
            href="/pipelines/new"
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-sky-500"
          >
            Blank pipeline
          </Link>
          <Button variant="secondary" size="sm" onClick={onClose}>
            Close
          </Button>
        </div>
      </div>
      {templates.isPending ? (
        <p className="text-sm text-slate-500">Loading templates…</p>
      ) : templates.isError ? (
        <p role="alert" className="text-sm text-rose-700">
          Could not load templates: {templates.error.message}
        </p>
      ) : templates.data.length === 0 ? (
        <p className="text-sm text-slate-500">No templates are installed.</p>
      ) : (
        <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {templates.data.map((t) => (
            <TemplateCard
              key={t.id}
              template={t}
              disabled={creating}
              pending={creating && create.variables?.templateId === t.id}
              onCreate={() => create.mutate({ templateId: t.id })}
            />
          ))}
        </ul>
      )}
      {create.isError && (
        <p role="alert" className="mt-3 text-sm text-rose-700">
          Could not create the pipeline: {create.error.message}
        </p>
      )}
    </section>
  );
}

function TemplateCard({
  template,
  disabled,
  pending,
  onCreate,
}: {
  template: Template;
  disabled: boolean;
  pending: boolean;
  onCreate: () => void;
}) {
  const nameId = useId();
  return (
    <li
      className="flex flex-col gap-2 rounded-md border border-slate-200 p-3"
      data-template-id={template.id}
    >
      <div className="flex items-baseline justify-between gap-2">
        <h3 id={nameId} className="font-medium [overflow-wrap:anywhere]">
          {template.name}
        </h3>
        <span className="shrink-0 text-xs text-slate-500">
          {template.nodeCount} {template.nodeCount === 1 ? "node" : "nodes"}
        </span>
      </div>
      <p className="flex-1 text-sm text-slate-600">{template.description}</p>
      <div>
        <Button size="sm" disabled={disabled} aria-describedby={nameId} onClick={onCreate}>
          {pending ? "Creating…" : "Create"}
        </Button>
      </div>
    </li>
  );
}

function DeleteDialog({
  target,
  onDeleted,
  onRefresh,
  onClose,
}: {
  target: { id: string; name: string } | null;
  onDeleted: (name: string) => Promise<void>;
  onRefresh: () => Promise<void>;
  onClose: (deleted: boolean) => void;
}) {
  const trpc = useTRPC();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const cancelId = useId();
  const deletedRef = useRef(false);
  const titleId = useId();
  const descriptionId = useId();
  const remove = useMutation(trpc.pipelines.delete.mutationOptions());

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (target && !dialog.open) {
      deletedRef.current = false;
      remove.reset();
      dialog.showModal();
      // The safe choice first: Enter or Space on open cancels.
      document.getElementById(cancelId)?.focus();
    } else if (!target && dialog.open) {
      dialog.close();
    }
    // Only a new target (re)opens the dialog; `remove.reset` is stable.
  }, [target]);

  const confirm = () => {
    if (!target) return;
    remove.mutate(
      { pipelineId: target.id },
      {
        onSuccess: () => {
          deletedRef.current = true;
          void onDeleted(target.name).finally(() => dialogRef.current?.close());
        },
        // Most likely deleted elsewhere meanwhile: show the list as it is now.
        onError: () => void onRefresh(),
      },
    );
  };

  return (
    <dialog
      ref={dialogRef}
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      // Escape fires `cancel` and then `close`; every way out ends in onClose.
      onClose={() => onClose(deletedRef.current)}
      onCancel={(e) => {
        if (remove.isPending) e.preventDefault();
      }}
      onClick={(e) => {
        // A click on the backdrop lands on the dialog element itself (the content has its own box).
        if (e.target === e.currentTarget && !remove.isPending) e.currentTarget.close();
      }}
      className="m-auto w-full max-w-md rounded-lg border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40"
    >
      {target && (
        <div className="space-y-4 p-6">
          <h2 id={titleId} className="text-lg font-semibold [overflow-wrap:anywhere]">
            Delete {target.name}?
          </h2>
          <p id={descriptionId} className="text-sm text-slate-600">
            The pipeline disappears from the list. Its saved versions and past runs are kept.
          </p>
          {remove.isError && (
            <p role="alert" className="text-sm text-rose-700">
              Could not delete: {remove.error.message}
            </p>
          )}
          <div className="flex flex-wrap justify-end gap-2">
            <Button
              id={cancelId}
              variant="secondary"
              disabled={remove.isPending}
              onClick={() => dialogRef.current?.close()}
            >
              Cancel
            </Button>
            <Button
              variant="danger"
              disabled={remove.isPending}
              aria-busy={remove.isPending || undefined}
              className="h-auto min-h-9 py-1.5 text-left [overflow-wrap:anywhere]"
              onClick={confirm}
            >
              Delete {target.name}
            </Button>
          </div>
        </div>
      )}
    </dialog>
  );
}
