import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { runMigrations } from "./migrate";

describe("migrations", () => {
  const name = `migrate_${randomUUID().replaceAll("-", "")}`;
  const admin = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
  const url = inject("databaseUrl").replace(/\/[^/]+$/, `/${name}`);

  afterAll(async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it("creates every table on an empty database, even when several processes migrate at once", async () => {
    await admin.unsafe(`create database ${name}`);
    await Promise.all([runMigrations(url), runMigrations(url), runMigrations(url)]);

    const db = postgres(url, { max: 1 });
    try {
      const tables = await db<{ table_name: string }[]>`
        select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
      expect(tables.map((t) => t.table_name)).toEqual([
        "accounts",
        "api_tokens",
        "artifacts",
        "audit_log",
        "connections",
        "deployments",
        "endpoint_errors",
        "experiments",
        "memberships",
        "model_aliases",
        "model_versions",
        "models",
        "monitor_results",
        "pipeline_versions",
        "pipelines",
        "predictions",
        "run_steps",
        "runs",
        "serving_audit",
        "sessions",
        "step_logs",
        "users",
        "verifications",
        "workers",
        "workspace_artifacts",
        "workspaces",
      ]);
      const applied = await db<
        { n: number }[]
      >`select count(*)::int as n from drizzle.__drizzle_migrations`;
      expect(applied[0]?.n).toBeGreaterThan(0);
      const before = applied[0]?.n;
      await runMigrations(url);
      const again = await db<
        { n: number }[]
      >`select count(*)::int as n from drizzle.__drizzle_migrations`;
      expect(again[0]?.n).toBe(before);
    } finally {
      await db.end();
    }
  });
});
