import { afterEach, describe, expect, it } from "vitest";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { prepSqlActivity } from "./activity";

const sales = [
  { "Store Name": "Zürich Nord", day: "2026-01-15", "montant (€)": 12.5 },
  { "Store Name": "Zürich Nord", day: "2026-01-16", "montant (€)": null },
  { "Store Name": "Genève", day: "2026-01-15", "montant (€)": 7 },
  { "Store Name": null, day: "2026-01-17", "montant (€)": 1 },
];

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

const query = async (sql: string) => {
  step = await fakeStep({ params: { sql }, inputs: { input: { rows: sales } } });
  return prepSqlActivity.activity(step.ctx);
};

describe("prep.sql", () => {
  it("runs a SELECT over the table input: odd names, missing values, dates", async () => {
    const out = await query(`
      SELECT coalesce("Store Name", '?') AS store, count(*) AS days,
             sum("montant (€)") AS total, max(day::DATE) AS last_day
      FROM input GROUP BY ALL ORDER BY store;`);
    expect(await step!.rows(out.dataset)).toEqual([
      { store: "?", days: 1, total: 1, last_day: "2026-01-17" },
      { store: "Genève", days: 1, total: 7, last_day: "2026-01-15" },
      { store: "Zürich Nord", days: 2, total: 12.5, last_day: "2026-01-16" },
    ]);
    expect(step!.output(out.dataset).metadata).toMatchObject({ rows: 3 });
    expect(step!.logs).toContain("3 rows, 4 columns");
  });

  it("passes the input through by default", async () => {
    step = await fakeStep({ params: {}, inputs: { input: { rows: sales } } });
    const out = await prepSqlActivity.activity(step.ctx);
    expect(await step.rows(out.dataset)).toHaveLength(4);
  });

  it("names a column that does not exist", async () => {
    await expect(query('SELECT "Store" FROM input')).rejects.toThrow(/^SQL: .*"Store" not found/);
  });

  it("runs one SELECT only, and reads no file", async () => {
    await expect(query("SELECT 1; SELECT 2")).rejects.toThrow(
      "SQL: write exactly one statement (found 2)",
    );
    await step!.dispose();
    await expect(query("COPY input TO 'out.csv'")).rejects.toThrow(
      "SQL: only a SELECT query can run here",
    );
    await step!.dispose();
    await expect(query("SELECT * FROM read_csv('/etc/passwd')")).rejects.toThrow(
      /^SQL: .*(Permission|disabled|not allowed)/i,
    );
  });
});
