import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { isNumeric } from "../../lib/data/dataset";
import { NotFoundError } from "../../lib/errors";
import type { StepServices } from "../sdk/context";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { ingestPostgresActivity } from "./activity";

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

/**
 * A fake connections service over the test suite's own PostgreSQL (tests/setup/global.ts exports
 * DATABASE_URL): only the connection named "warehouse" exists, and every name asked is recorded.
 */
function connections() {
  const opened: string[] = [];
  const service: StepServices["connections"] = {
    open: (name) => {
      opened.push(name);
      if (name !== "warehouse")
        return Promise.reject(new NotFoundError(`No connection named "${name}" in this workspace`));
      return Promise.resolve(postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} }));
    },
  };
  return { opened, service };
}

// No table needed: the rows come from VALUES, with a missing value, a date, a bigint and odd names.
const query = `SELECT * FROM (VALUES
  (1::bigint, 'Zürich', 12.5::float8, DATE '2026-01-15'),
  (9007199254740993::bigint, NULL, NULL, DATE '2026-02-01'),
  (3::bigint, 'Genève', 7::float8, NULL)
) AS t("Customer ID", "ville d'achat", "montant (€)", day) ORDER BY 1`;

describe("ingest.postgres", () => {
  it("stores a query's rows from the named connection", async () => {
    const fake = connections();
    step = await fakeStep({
      params: { connection: "warehouse", query },
      services: { connections: fake.service },
    });
    const out = await ingestPostgresActivity.activity(step.ctx);
    expect(fake.opened).toEqual(["warehouse"]);
    const rows = await step.rows(out.dataset);
    expect(rows.map((r) => r["ville d'achat"])).toEqual(["Zürich", "Genève", null]);
    expect(rows.map((r) => r["montant (€)"])).toEqual([12.5, 7, null]);
    expect(rows.map((r) => r.day)).toEqual([
      expect.stringMatching(/^2026-01-15/),
      null,
      expect.stringMatching(/^2026-02-01/),
    ]);
    // A bigint past 2^53 arrives whole, not rounded.
    expect(rows.map((r) => String(r["Customer ID"]))).toEqual(["1", "3", "9007199254740993"]);
    expect(step.output(out.dataset).metadata).toMatchObject({ rows: 3 });
    expect(step.progress.at(-1)).toEqual({ done: 3, total: 0, unit: "rows" });
  });

  // postgres.js hands int8 and numeric values over as text; they must still land as numbers,
  // or a count(*), a bigserial id or a price would become a category downstream.
  it("keeps bigint and numeric columns numbers", async () => {
    step = await fakeStep({
      params: {
        connection: "warehouse",
        query:
          "SELECT count(*) AS orders, 1.50::numeric(10,2) AS price FROM (VALUES (1), (2)) t(x)",
      },
      services: { connections: connections().service },
    });
    const out = await ingestPostgresActivity.activity(step.ctx);
    const { schema } = step.output(out.dataset).metadata as { schema: { type: string }[] };
    expect(schema.map((c) => isNumeric(c.type))).toEqual([true, true]);
  });

  it("keeps numbers numbers across cursor batches", async () => {
    step = await fakeStep({
      params: {
        connection: "warehouse",
        query:
          "SELECT g::bigint AS id, (g * 1.5)::numeric(12,2) AS amount FROM generate_series(1, 12000) g",
      },
      services: { connections: connections().service },
    });
    const out = await ingestPostgresActivity.activity(step.ctx);
    const { schema, rows } = step.output(out.dataset).metadata as {
      schema: { type: string }[];
      rows: number;
    };
    expect(rows).toBe(12000);
    expect(schema.map((c) => isNumeric(c.type))).toEqual([true, true]);
  });

  it("runs the query read-only", async () => {
    step = await fakeStep({
      params: {
        connection: "warehouse",
        query: "CREATE TABLE ingest_test_should_not_exist (x int)",
      },
      services: { connections: connections().service },
    });
    await expect(ingestPostgresActivity.activity(step.ctx)).rejects.toThrow(
      /PostgreSQL query on "warehouse": .*read-only transaction/,
    );
    const sql = postgres(process.env.DATABASE_URL!, { max: 1 });
    try {
      const [found] = await sql`SELECT to_regclass('ingest_test_should_not_exist') AS t`;
      expect(found?.t).toBeNull();
    } finally {
      await sql.end();
    }
  });

  it("names the connection and the place of a mistake in the query", async () => {
    step = await fakeStep({
      params: { connection: "warehouse", query: "SELECT nope FROM (SELECT 1 AS x) t" },
      services: { connections: connections().service },
    });
    await expect(ingestPostgresActivity.activity(step.ctx)).rejects.toThrow(
      /PostgreSQL query on "warehouse": column "nope" does not exist \(at character 8\)/,
    );
  });

  it("fails on an unknown connection, and on a query without rows", async () => {
    const fake = connections();
    step = await fakeStep({
      params: { connection: "crm", query: "SELECT 1" },
      services: { connections: fake.service },
    });
    await expect(ingestPostgresActivity.activity(step.ctx)).rejects.toThrow(
      'No connection named "crm" in this workspace',
    );
    expect(fake.opened).toEqual(["crm"]);
    await step.dispose();
    step = await fakeStep({
      params: { connection: "warehouse", query: "SELECT 1 AS x WHERE false" },
      services: { connections: fake.service },
    });
    await expect(ingestPostgresActivity.activity(step.ctx)).rejects.toThrow(
      'PostgreSQL query on "warehouse" returned no rows',
    );
  });
});
