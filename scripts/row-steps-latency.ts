// How long one request spends in the row steps' process (derive + select on 1 and 64 rows):
// `npx tsx scripts/row-steps-latency.ts`. The serving cost of a model with row steps.
import { applyRowSteps, stopRowSteps } from "../lib/data/row-steps";
const source = [
  { name: "Year", type: "DATE" },
  { name: "Horsepower", type: "BIGINT" },
  { name: "Origin", type: "VARCHAR" },
];
const steps = [
  { op: "derive" as const, column: "model_year", expression: 'year(CAST("Year" AS DATE))' },
  {
    op: "select" as const,
    columns: [
      { from: "Horsepower", to: "Horsepower" },
      { from: "Origin", to: "origin" },
      { from: "model_year", to: "model_year" },
    ],
  },
];
const want = [
  { column: "Horsepower", text: false },
  { column: "origin", text: true },
  { column: "model_year", text: false },
];
for (const rows of [1, 64]) {
  const columns = {
    Year: Array(rows).fill("1975-01-01"),
    Horsepower: Array(rows).fill(120),
    Origin: Array(rows).fill("USA"),
  };
  for (let i = 0; i < 50; i++) await applyRowSteps({ source, steps, rows, columns, want });
  const n = 500;
  const t = performance.now();
  for (let i = 0; i < n; i++) await applyRowSteps({ source, steps, rows, columns, want });
  const ms = (performance.now() - t) / n;
  console.log(
    `${rows} row(s) per request: ${ms.toFixed(2)} ms per call through the row steps' process`,
  );
}
stopRowSteps();
