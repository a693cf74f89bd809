import { ColumnError } from "../errors";
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteIdent } from "./sandbox";

export async function columnsOf(
  c: DuckDBConnection,
  relation: string,
): Promise<{ name: string; type: string }[]> {
  const rows = (await c.runAndReadAll(`DESCRIBE ${quoteIdent(relation)}`)).getRowObjects();
  return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

/** Every named column must exist; the error lists the ones that do. */
export function requireColumns(
  available: { name: string }[],
  wanted: string[],
  what: string,
): void {
  const names = new Set(available.map((c) => c.name));
  const missing = wanted.filter((w) => !names.has(w));
  if (missing.length) {
    throw new ColumnError(
      `${what}: no column ${missing.map((m) => `"${m}"`).join(", ")} in the input (columns: ${available.map((c) => c.name).join(", ")})`,
    );
  }
}
