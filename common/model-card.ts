/** A model card as the API returns it; the page, the Markdown and the PDF render this. */
export interface ModelCard {
  model: { id: string; name: string; description: string };
  version: { id: string; number: number; createdAt: string };
  notes: { intendedUse: string; limitations: string };
  algorithm: string;
  params: Record<string, unknown>;
  task: "binary" | "multiclass" | "regression";
  label: string;
  classes: string[] | null;
  features: { column: string; type: string }[];
  trainingData: {
    sources: { node: string; type: string; params: Record<string, unknown> }[];
    hash: string;
    rows: number | null;
    roles: { label?: string; ids?: string[]; ignored?: string[] } | null;
    columns: {
      name: string;
      type: string;
      nulls: number;
      distinct: number;
      min: string | null;
      max: string | null;
      mean: number | null;
    }[];
  };
  validation: Record<string, unknown> | null;
  /** The evaluate step's test metrics, exactly as it recorded them. */
  test: TestMetrics | null;
  evaluation: { runId: string; stepId: string; testHash: string | null } | null;
  importance: { feature: string; gain: number; splits: number }[];
  /** Columns the evaluation's rows can be grouped by. */
  groupColumns: string[];
  groups: { column: string; positiveClass: string | null; rows: GroupRow[] } | null;
  lineage: {
    runId: string;
    stepId: string;
    pipeline: { id: string; name: string; version: number; contentHash: string } | null;
    trainedAt: string | null;
    trainedBy: string | null;
    code: { node: string; type: string; sha256: string }[];
    data: { train: string; validation: string | null; test: string | null };
    model: string;
  };
  approvals: {
    runId: string;
    approved: boolean;
    by: string;
    at: string;
    comment: string | null;
  }[];
  serving: { endpoint: string; alias: string; strategy: string }[];
  history: {
    at: string;
    action: string;
    alias: string | null;
    actor: string;
    deploymentId: string | null;
  }[];
}

export interface GroupRow {
  group: string;
  rows: number;
  accuracy: number | null;
  positiveRate: number | null;
  actualPositiveRate: number | null;
  rmse: number | null;
  mae: number | null;
}

export type TestMetrics = {
  rows: number;
  accuracy?: number;
  logLoss?: number;
  rocAuc?: number | null;
  macro?: { precision: number; recall: number; f1: number };
  perClass?: { class: string; precision: number; recall: number; f1: number; support: number }[];
  confusion?: { classes: string[]; matrix: number[][] };
  roc?: { x: number; y: number; threshold: number }[];
  rmse?: number;
  mae?: number;
  r2?: number;
};

export const fmt = (v: number | null | undefined, digits = 4) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? "—"
    : Math.abs(v) >= 1000
      ? v.toFixed(0)
      : Number(v.toPrecision(digits)).toString();

export const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? "—" : `${(100 * v).toFixed(1)}%`;

/** The headline test metrics, as label and value, in the order every rendering lists them. */
export function testRows(t: TestMetrics): [string, string][] {
  const rows: [string, string][] = [["Rows", String(t.rows)]];
  if (t.accuracy !== undefined) {
    rows.push(["Accuracy", fmt(t.accuracy)]);
    if (t.rocAuc !== undefined && t.rocAuc !== null) rows.push(["ROC AUC", fmt(t.rocAuc)]);
    if (t.logLoss !== undefined) rows.push(["Log loss", fmt(t.logLoss)]);
    if (t.macro) {
      rows.push(["Macro precision", fmt(t.macro.precision)]);
      rows.push(["Macro recall", fmt(t.macro.recall)]);
      rows.push(["Macro F1", fmt(t.macro.f1)]);
    }
  }
  if (t.rmse !== undefined) rows.push(["RMSE", fmt(t.rmse)]);
  if (t.mae !== undefined) rows.push(["MAE", fmt(t.mae)]);
  if (t.r2 !== undefined) rows.push(["R²", fmt(t.r2)]);
  return rows;
}

/** The per-group table's header and rows, as text. */
export function groupTable(card: ModelCard): { head: string[]; body: string[][] } | null {
  const g = card.groups;
  if (!g) return null;
  if (card.task !== "regression") {
    const head = [g.column, "Rows", "Accuracy"];
    if (g.positiveClass !== null)
      head.push(`Predicted "${g.positiveClass}"`, `Actual "${g.positiveClass}"`);
    return {
      head,
      body: g.rows.map((r) => [
        r.group,
        String(r.rows),
        fmt(r.accuracy),
        ...(g.positiveClass !== null ? [pct(r.positiveRate), pct(r.actualPositiveRate)] : []),
      ]),
    };
  }
  return {
    head: [g.column, "Rows", "RMSE", "MAE"],
    body: g.rows.map((r) => [r.group, String(r.rows), fmt(r.rmse), fmt(r.mae)]),
  };
}

type TextTable = { head: string[]; body: string[][] };

/** The training data's profile, as text. */
export function profileTable(card: ModelCard): TextTable {
  return {
    head: ["Column", "Type", "Missing", "Distinct", "Min", "Max", "Mean"],
    body: card.trainingData.columns.map((c) => [
      c.name,
      c.type,
      String(c.nulls),
      String(c.distinct),
      c.min ?? "—",
      c.max ?? "—",
      fmt(c.mean),
    ]),
  };
}

export function featureTable(card: ModelCard): TextTable {
  return { head: ["Feature", "Type"], body: card.features.map((f) => [f.column, f.type]) };
}

export function importanceTable(card: ModelCard): TextTable {
  return {
    head: ["Feature", "Gain", "Splits"],
    body: card.importance.map((i) => [i.feature, fmt(i.gain), String(i.splits)]),
  };
}

/** Rows: actual class; columns: predicted. */
export function confusionTable(t: TestMetrics): TextTable | null {
  if (!t.confusion) return null;
  const { classes, matrix } = t.confusion;
  return {
    head: ["", ...classes],
    body: matrix.map((row, i) => [classes[i] ?? "", ...row.map(String)]),
  };
}

export function historyTable(card: ModelCard, when: (iso: string) => string): TextTable {
  return {
    head: ["When", "Action", "Alias", "By"],
    body: card.history.map((h) => [when(h.at), h.action, h.alias ?? "—", h.actor]),
  };
}

export const approvalLine = (a: ModelCard["approvals"][number], quote = ["“", "”"]) =>
  `${a.approved ? "Approved" : "Rejected"} by ${a.by} on ${a.at.slice(0, 10)}${a.comment ? `: ${quote[0]}${a.comment}${quote[1]}` : ""}`;

const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

function table(t: TextTable): string {
  const { head, body } = t;
  return [
    `| ${head.map(cell).join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...body.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}

/** The card as a Markdown document (GitHub-flavoured tables). */
export function cardMarkdown(card: ModelCard): string {
  const out: string[] = [];
  out.push(`# Model card: ${card.model.name} v${card.version.number}`);
  if (card.model.description) out.push(card.model.description);
  out.push(
    `${card.algorithm} ${card.task} of **${card.label}**, registered ${card.version.createdAt.slice(0, 10)}.`,
  );
  out.push("## Intended use", card.notes.intendedUse || "_Not written yet._");
  out.push("## Limitations", card.notes.limitations || "_Not written yet._");

  out.push("## Training data");
  const src = card.trainingData.sources
    .map((s) => `${s.node} (${s.type}${fileOf(s.params)})`)
    .join(", ");
  out.push(
    `Source: ${src || "unknown"}. ${card.trainingData.rows ?? "?"} training rows, dataset \`${card.trainingData.hash.slice(0, 16)}\`.`,
  );
  if (card.trainingData.columns.length) out.push(table(profileTable(card)));

  out.push("## Features and label");
  out.push(
    `Label: **${card.label}**${card.classes ? ` (classes: ${card.classes.join(", ")})` : ""}.`,
  );
  out.push(table(featureTable(card)));

  out.push("## Test metrics");
  if (card.test) {
    out.push(table({ head: ["Metric", "Value"], body: testRows(card.test) }));
    const confusion = confusionTable(card.test);
    if (confusion)
      out.push("Confusion matrix (rows: actual, columns: predicted):", table(confusion));
  } else out.push("_No evaluation of this version is recorded._");

  if (card.importance.length) {
    out.push("## Feature importance");
    out.push(table(importanceTable(card)));
  }

  out.push("## Performance per group");
  const groups = groupTable(card);
  out.push(groups ? table(groups) : "_No grouping column chosen for this card._");

  out.push("## Lineage");
  const l = card.lineage;
  out.push(
    [
      l.pipeline
        ? `- Pipeline: ${l.pipeline.name} v${l.pipeline.version} (content \`${l.pipeline.contentHash.slice(0, 16)}\`)`
        : "- Pipeline: unknown",
      `- Training run: \`${l.runId}\`, step ${l.stepId}${l.trainedBy ? `, started by ${l.trainedBy}` : ""}${l.trainedAt ? ` on ${l.trainedAt.slice(0, 10)}` : ""}`,
      ...l.code.map((c) => `- Code: ${c.node} (${c.type}) sha256 \`${c.sha256.slice(0, 16)}\``),
      `- Data: train \`${l.data.train.slice(0, 16)}\`${l.data.validation ? `, validation \`${l.data.validation.slice(0, 16)}\`` : ""}${l.data.test ? `, test \`${l.data.test.slice(0, 16)}\`` : ""}`,
      `- Model artifact: \`${l.model.slice(0, 16)}\``,
    ].join("\n"),
  );

  out.push("## Approvals");
  out.push(
    card.approvals.length
      ? card.approvals.map((a) => `- ${approvalLine(a)}`).join("\n")
      : "_No approval was needed or recorded._",
  );

  out.push("## Serving history");
  if (card.serving.length)
    out.push(
      `Serving now: ${card.serving.map((s) => `${s.endpoint} (${s.alias}, ${s.strategy})`).join(", ")}.`,
    );
  out.push(
    card.history.length
      ? table(historyTable(card, (at) => at.slice(0, 16).replace("T", " ")))
      : "_Never served._",
  );
  return `${out.join("\n\n")}\n`;
}

function fileOf(params: Record<string, unknown>): string {
  const name = params.path ?? params.dataset ?? params.uploadName ?? params.table;
  return typeof name === "string" ? `: ${name}` : "";
}
