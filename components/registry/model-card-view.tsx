"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type ReactNode } from "react";
import ReactMarkdown from "react-markdown";
import {
  cardMarkdown,
  featureTable,
  groupTable,
  historyTable,
  importanceTable,
  profileTable,
  testRows,
} from "@/common/model-card";
import { ConfusionMatrix, ResidualPlot, RocCurve } from "@/components/charts/experiment-charts";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";

function download(name: string, blob: Blob) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title} className="space-y-2">
      <h2 className="text-lg font-semibold">{title}</h2>
      {children}
    </section>
  );
}

function Table({ head, body, label }: { head: string[]; body: string[][]; label: string }) {
  return (
    <table className="w-full border-collapse text-sm" aria-label={label}>
      <thead>
        <tr className="border-b border-slate-200 text-left text-slate-500">
          {head.map((h, i) => (
            <th key={i} className="py-1 pr-3 font-normal">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {body.map((row, i) => (
          <tr key={i} className="border-b border-slate-100">
            {row.map((c, j) => (
              <td key={j} className={j === 0 ? "py-1 pr-3 font-medium" : "pr-3 font-mono text-xs"}>
                {c}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Intended use or limitations: Markdown, edited in place by whoever may write the card. */
function Notes({
  label,
  text,
  onSave,
  saving,
}: {
  label: string;
  text: string;
  onSave: (text: string) => void;
  saving: boolean;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  if (draft !== null)
    return (
      <form
        className="space-y-2"
        onSubmit={(e) => {
          e.preventDefault();
          onSave(draft);
          setDraft(null);
        }}
      >
        <textarea
          aria-label={label}
          className="h-28 w-full rounded border border-slate-300 p-2 text-sm"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          autoFocus
        />
        <div className="space-x-2">
          <Button size="sm" type="submit" disabled={saving}>
            Save
          </Button>
          <Button size="sm" variant="secondary" type="button" onClick={() => setDraft(null)}>
            Cancel
          </Button>
        </div>
      </form>
    );
  return (
    <div className="space-y-1">
      <div className="prose prose-sm max-w-none text-sm" data-testid={`card-${label}`}>
        {text ? (
          <ReactMarkdown>{text}</ReactMarkdown>
        ) : (
          <p className="text-slate-500">Not written yet.</p>
        )}
      </div>
      <Button size="sm" variant="secondary" onClick={() => setDraft(text)}>
        Edit {label.toLowerCase()}
      </Button>
    </div>
  );
}

export function ModelCardView({ versionId }: { versionId: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const card = useQuery(trpc.models.card.queryOptions({ versionId }));
  const save = useMutation(
    trpc.models.setCard.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.models.card.queryKey() }),
    }),
  );
  if (card.isPending) return <p className="text-sm text-slate-500">Loading the model card…</p>;
  if (card.isError) return <p className="text-sm text-rose-700">{card.error.message}</p>;
  const c = card.data;
  const file = `${c.model.name}-v${c.version.number}-model-card`;
  const groups = groupTable(c);
  return (
    <article className="max-w-5xl space-y-6">
      <header className="flex flex-wrap items-start gap-3">
        <div className="flex-1">
          <h1 className="text-xl font-semibold">
            Model card: {c.model.name} <span className="text-slate-400">v{c.version.number}</span>
          </h1>
          <p className="text-sm text-slate-600">
            {c.algorithm} {c.task} of <b>{c.label}</b>, registered{" "}
            {new Date(c.version.createdAt).toLocaleDateString()} ·{" "}
            <Link href={`/runs/${c.lineage.runId}`} className="text-sky-700 hover:underline">
              training run
            </Link>
          </p>
        </div>
        <Button
          variant="secondary"
          size="sm"
          onClick={() =>
            download(`${file}.md`, new Blob([cardMarkdown(c)], { type: "text/markdown" }))
          }
        >
          Download Markdown
        </Button>
        <Button
          variant="secondary"
          size="sm"
          onClick={() =>
            void import("./card-pdf").then((m) => download(`${file}.pdf`, m.cardPdf(c)))
          }
        >
          Download PDF
        </Button>
      </header>
      {save.error && <p className="text-sm text-rose-700">{save.error.message}</p>}

      <Section title="Intended use">
        <Notes
          label="Intended use"
          text={c.notes.intendedUse}
          saving={save.isPending}
          onSave={(intendedUse) => save.mutate({ versionId, intendedUse })}
        />
      </Section>
      <Section title="Limitations">
        <Notes
          label="Limitations"
          text={c.notes.limitations}
          saving={save.isPending}
          onSave={(limitations) => save.mutate({ versionId, limitations })}
        />
      </Section>

      <Section title="Training data">
        <p className="text-sm text-slate-600">
          From{" "}
          {c.trainingData.sources.map((s) => `${s.node} (${s.type})`).join(", ") ||
            "an unknown source"}
          : {c.trainingData.rows?.toLocaleString() ?? "?"} training rows ·{" "}
          <Link href={`/datasets/${c.trainingData.hash}`} className="text-sky-700 hover:underline">
            View data
          </Link>
        </p>
        <Table label="Training data profile" {...profileTable(c)} />
      </Section>

      <Section title="Features and label">
        <p className="text-sm">
          Label <b>{c.label}</b>
          {c.classes && <> (classes: {c.classes.join(", ")})</>}; {c.features.length} features.
        </p>
        <Table label="Features" {...featureTable(c)} />
      </Section>

      <Section title="Test metrics">
        {c.test ? (
          <>
            <p className="text-sm text-slate-600">
              From the Evaluate step{" "}
              <Link
                href={`/runs/${c.evaluation!.runId}`}
                className="font-mono text-sky-700 hover:underline"
              >
                {c.evaluation!.stepId}
              </Link>{" "}
              on {c.test.rows} test rows.
            </p>
            <Table label="Test metrics" head={["Metric", "Value"]} body={testRows(c.test)} />
            <div className="grid gap-4 md:grid-cols-2">
              {c.test.roc && c.test.roc.length > 0 && (
                <RocCurve points={c.test.roc} auc={c.test.rocAuc ?? null} />
              )}
              {c.test.confusion && (
                <ConfusionMatrix
                  classes={c.test.confusion.classes}
                  matrix={c.test.confusion.matrix}
                />
              )}
              {"residuals" in c.test && Array.isArray(c.test.residuals) && (
                <ResidualPlot
                  residuals={c.test.residuals as { predicted: number; residual: number }[]}
                />
              )}
            </div>
          </>
        ) : (
          <p className="text-sm text-slate-500">
            No evaluation of this version is recorded: add an Evaluate step on its test split.
          </p>
        )}
      </Section>

      {c.importance.length > 0 && (
        <Section title="Feature importance">
          <Table label="Feature importance" {...importanceTable(c)} />
        </Section>
      )}

      <Section title="Performance per group">
        {c.groupColumns.length === 0 ? (
          <p className="text-sm text-slate-500">
            The evaluation kept no columns to group by (evaluate again to record them).
          </p>
        ) : (
          <label className="flex items-center gap-2 text-sm">
            Group by
            <select
              value={c.groups?.column ?? ""}
              disabled={save.isPending}
              onChange={(e) => save.mutate({ versionId, groupBy: e.target.value || null })}
              className="rounded border border-slate-300 px-2 py-1"
            >
              <option value="">(none)</option>
              {c.groupColumns.map((g) => (
                <option key={g}>{g}</option>
              ))}
            </select>
          </label>
        )}
        {groups && <Table label="Performance per group" head={groups.head} body={groups.body} />}
      </Section>

      <Section title="Lineage">
        <ul className="space-y-0.5 text-sm">
          <li>
            Pipeline:{" "}
            {c.lineage.pipeline ? (
              <Link
                href={`/pipelines/${c.lineage.pipeline.id}`}
                className="text-sky-700 hover:underline"
              >
                {c.lineage.pipeline.name} v{c.lineage.pipeline.version}
              </Link>
            ) : (
              "unknown"
            )}
          </li>
          <li>
            Training run <span className="font-mono text-xs">{c.lineage.runId}</span>, step{" "}
            {c.lineage.stepId}
            {c.lineage.trainedBy && <>, started by {c.lineage.trainedBy}</>}
          </li>
          {c.lineage.code.map((k) => (
            <li key={k.node}>
              Code of {k.node}:{" "}
              <span className="font-mono text-xs">sha256 {k.sha256.slice(0, 16)}</span>
            </li>
          ))}
          <li className="font-mono text-xs">
            train {c.lineage.data.train.slice(0, 16)}
            {c.lineage.data.test && <> · test {c.lineage.data.test.slice(0, 16)}</>} · model{" "}
            {c.lineage.model.slice(0, 16)}
          </li>
        </ul>
      </Section>

      <Section title="Approvals">
        {c.approvals.length ? (
          <ul className="text-sm" data-testid="card-approvals">
            {c.approvals.map((a) => (
              <li key={a.runId}>
                {a.approved ? "Approved" : "Rejected"} by {a.by} on{" "}
                {new Date(a.at).toLocaleString()}
                {a.comment && <>: “{a.comment}”</>}
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-sm text-slate-500">No approval was needed or recorded.</p>
        )}
      </Section>

      <Section title="Serving history">
        {c.serving.length > 0 && (
          <p className="text-sm">
            Serving now:{" "}
            {c.serving.map((s) => `${s.endpoint} (${s.alias}, ${s.strategy})`).join(", ")}
          </p>
        )}
        {c.history.length ? (
          <Table
            label="Serving history"
            {...historyTable(c, (at) => new Date(at).toLocaleString())}
          />
        ) : (
          <p className="text-sm text-slate-500">Never served.</p>
        )}
      </Section>
    </article>
  );
}
