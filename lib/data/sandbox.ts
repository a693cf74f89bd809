import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

export interface Sandbox {
  connection: DuckDBConnection;
  close(): void;
}

/**
 * An in-memory DuckDB that can touch files only inside `dir` (the step's work directory): no
 * other path, no network, no extension downloads, and the settings are locked so SQL written by
 * a user cannot turn them back on.
 */
export async function openSandbox(
  dir: string,
  options: { threads?: number; memoryLimit?: string } = {},
): Promise<Sandbox> {
  const instance = await DuckDBInstance.create(":memory:", {
    threads: String(options.threads ?? 2),
    memory_limit: options.memoryLimit ?? "2GB",
  });
  const connection = await instance.connect();
  const root = dir.endsWith("/") ? dir : `${dir}/`;
  await connection.run(`SET temp_directory = ${quoteLiteral(`${root}.tmp`)}`);
  await connection.run(`SET allowed_directories = [${quoteLiteral(root)}]`);
  await connection.run("SET enable_external_access = false");
  await connection.run("SET autoinstall_known_extensions = false");
  await connection.run("SET autoload_known_extensions = false");
  await connection.run("SET lock_configuration = true");
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL string literal; a NUL byte (which would end DuckDB's parse of a literal) as chr(0). */
export function quoteLiteral(value: string): string {
  const parts = value.split("\0").map((part) => `'${part.replaceAll("'", "''")}'`);
  return parts.length === 1 ? parts[0]! : `(${parts.join(" || chr(0) || ")})`;
}
