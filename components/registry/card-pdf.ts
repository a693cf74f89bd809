import { jsPDF } from "jspdf";
import { autoTable } from "jspdf-autotable";
import {
  approvalLine,
  confusionTable,
  featureTable,
  fmt,
  groupTable,
  historyTable,
  importanceTable,
  profileTable,
  testRows,
  type ModelCard,
} from "@/common/model-card";

// The card as a PDF, built in the browser from the same object the page shows (jsPDF with
// autotable for the tables). The ROC curve is drawn as lines, so the PDF stays text and vectors.

const MARGIN = 40;

export function cardPdf(card: ModelCard): Blob {
  const doc = new jsPDF({ unit: "pt", format: "a4" });
  const width = doc.internal.pageSize.getWidth() - 2 * MARGIN;
  let y = MARGIN;
  const after = () =>
    (doc as unknown as { lastAutoTable: { finalY: number } }).lastAutoTable.finalY;
  const room = (h: number) => {
    if (y + h > doc.internal.pageSize.getHeight() - MARGIN) {
      doc.addPage();
      y = MARGIN;
    }
  };
  const heading = (text: string) => {
    room(40);
    y += 14;
    doc.setFont("helvetica", "bold").setFontSize(13).text(text, MARGIN, y);
    y += 8;
  };
  const para = (text: string) => {
    doc.setFont("helvetica", "normal").setFontSize(10);
    const lines = doc.splitTextToSize(text, width) as string[];
    room(lines.length * 13);
    doc.text(lines, MARGIN, y + 12);
    y += lines.length * 13 + 4;
  };
  const table = ({ head, body }: { head: string[]; body: string[][] }) => {
    autoTable(doc, {
      head: [head],
      body,
      startY: y + 4,
      margin: { left: MARGIN, right: MARGIN },
      styles: { fontSize: 8, cellPadding: 3 },
      headStyles: { fillColor: [241, 245, 249], textColor: [30, 41, 59] },
    });
    y = after() + 6;
  };

  doc.setFont("helvetica", "bold").setFontSize(18);
  doc.text(`Model card: ${card.model.name} v${card.version.number}`, MARGIN, y + 10);
  y += 22;
  para(
    `${card.algorithm} ${card.task} of ${card.label}, registered ${card.version.createdAt.slice(0, 10)}.`,
  );

  heading("Intended use");
  para(card.notes.intendedUse || "Not written yet.");
  heading("Limitations");
  para(card.notes.limitations || "Not written yet.");

  heading("Training data");
  para(
    `Source: ${card.trainingData.sources.map((s) => `${s.node} (${s.type})`).join(", ") || "unknown"}. ${card.trainingData.rows ?? "?"} training rows.`,
  );
  if (card.trainingData.columns.length) table(profileTable(card));

  heading("Features and label");
  para(`Label: ${card.label}${card.classes ? ` (classes: ${card.classes.join(", ")})` : ""}.`);
  table(featureTable(card));

  heading("Test metrics");
  if (card.test) {
    table({ head: ["Metric", "Value"], body: testRows(card.test) });
    const confusion = confusionTable(card.test);
    if (confusion) {
      para("Confusion matrix (rows: actual, columns: predicted)");
      table(confusion);
    }
    if (card.test.roc?.length) rocFigure(doc, card.test.roc, card.test.rocAuc ?? null);
  } else para("No evaluation of this version is recorded.");

  if (card.importance.length) {
    heading("Feature importance");
    table(importanceTable(card));
  }

  heading("Performance per group");
  const groups = groupTable(card);
  if (groups) table(groups);
  else para("No grouping column chosen for this card.");

  heading("Lineage");
  const l = card.lineage;
  para(
    [
      l.pipeline ? `Pipeline: ${l.pipeline.name} v${l.pipeline.version}` : "Pipeline: unknown",
      `Training run: ${l.runId} (step ${l.stepId})${l.trainedBy ? `, started by ${l.trainedBy}` : ""}`,
      ...l.code.map((c) => `Code: ${c.node} sha256 ${c.sha256.slice(0, 16)}`),
      `Data: train ${l.data.train.slice(0, 16)}${l.data.test ? `, test ${l.data.test.slice(0, 16)}` : ""}`,
      `Model artifact: ${l.model.slice(0, 16)}`,
    ].join("\n"),
  );

  heading("Approvals");
  para(
    card.approvals.length
      ? card.approvals.map((a) => approvalLine(a, ['"', '"'])).join("\n")
      : "No approval was needed or recorded.",
  );

  heading("Serving history");
  if (card.history.length) table(historyTable(card, (at) => at.slice(0, 16).replace("T", " ")));
  else para("Never served.");

  return doc.output("blob");

  function rocFigure(d: jsPDF, points: { x: number; y: number }[], auc: number | null) {
    const size = 160;
    room(size + 30);
    const x0 = MARGIN + 20;
    const y0 = y + 10 + size;
    d.setDrawColor(148, 163, 184).setLineWidth(0.5);
    d.rect(x0, y0 - size, size, size);
    d.setLineDashPattern([2, 2], 0)
      .line(x0, y0, x0 + size, y0 - size)
      .setLineDashPattern([], 0);
    d.setDrawColor(14, 116, 144).setLineWidth(1.2);
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1]!;
      const b = points[i]!;
      d.line(x0 + a.x * size, y0 - a.y * size, x0 + b.x * size, y0 - b.y * size);
    }
    d.setFont("helvetica", "normal").setFontSize(8);
    d.text(`ROC curve${auc === null ? "" : ` (AUC ${fmt(auc)})`}`, x0, y0 - size - 4);
    d.text("false positive rate", x0 + size / 2 - 30, y0 + 12);
    y = y0 + 20;
  }
}
