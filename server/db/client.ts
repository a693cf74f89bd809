import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { requireDatabaseUrl } from "../../lib/env";
import * as schema from "./schema";

export type Db = ReturnType<typeof createDb>["db"];

export function createDb(url: string, options: { max?: number } = {}) {
  const sql = postgres(url, { max: options.max ?? 10, onnotice: () => {} });
  return { db: drizzle(sql, { schema }), sql };
}

let shared: ReturnType<typeof createDb> | undefined;

/** The process-wide pool, created on first use from DATABASE_URL. */
export function getDb(): Db {
  shared ??= createDb(requireDatabaseUrl());
  return shared.db;
}

export async function closeDb(): Promise<void> {
  if (!shared) return;
  const { sql } = shared;
  shared = undefined;
  await sql.end({ timeout: 5 });
}
