import { and, asc, eq } from "drizzle-orm";
import postgres from "postgres";
import { z } from "zod";
import type { Db } from "../db/client";
import { connections } from "../db/schema";
import { decryptSecret, encryptSecret } from "../secrets";
import { NotFoundError } from "../../lib/errors";

export const connectionInput = z.object({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_. -]+$/, "letters, digits, space, '.', '-' and '_' only"),
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535).default(5432),
  database: z.string().min(1).max(255),
  user: z.string().min(1).max(255),
  password: z.string().max(1000).optional(),
  ssl: z.boolean().default(false),
});

/** Never the password: a saved password is not shown again, only whether there is one. */
const publicColumns = {
  id: connections.id,
  name: connections.name,
  kind: connections.kind,
  host: connections.host,
  port: connections.port,
  database: connections.database,
  user: connections.user,
  ssl: connections.ssl,
  createdAt: connections.createdAt,
};

export async function listConnections(db: Db, workspaceId: string) {
  const rows = await db
    .select({ ...publicColumns, passwordEncrypted: connections.passwordEncrypted })
    .from(connections)
    .where(eq(connections.workspaceId, workspaceId))
    .orderBy(asc(connections.name));
  return rows.map(({ passwordEncrypted, ...r }) => ({
    ...r,
    hasPassword: passwordEncrypted !== null,
  }));
}

export async function createConnection(
  db: Db,
  workspaceId: string,
  input: z.input<typeof connectionInput>,
) {
  const c = connectionInput.parse(input);
  const [row] = await db
    .insert(connections)
    .values({ ...c, workspaceId, passwordEncrypted: c.password ? encryptSecret(c.password) : null })
    .returning(publicColumns);
  return row!;
}

export async function deleteConnection(db: Db, id: string) {
  const deleted = await db
    .delete(connections)
    .where(eq(connections.id, id))
    .returning({ id: connections.id });
  if (!deleted.length) throw new NotFoundError(`No connection ${id}`);
}

/**
 * A client for the workspace's connection of that name; the password is decrypted only here, in
 * the worker.
 */
export async function openConnection(db: Db, workspaceId: string, name: string) {
  const [c] = await db
    .select()
    .from(connections)
    .where(and(eq(connections.workspaceId, workspaceId), eq(connections.name, name)));
  if (!c) throw new NotFoundError(`No connection named "${name}" in this workspace`);
  return postgres({
    host: c.host,
    port: c.port,
    database: c.database,
    username: c.user,
    password: c.passwordEncrypted ? decryptSecret(c.passwordEncrypted) : undefined,
    ssl: c.ssl ? "require" : false,
    max: 1,
    connect_timeout: 10,
    onnotice: () => {},
  });
}

export async function testConnection(db: Db, id: string) {
  const [c] = await db
    .select({ name: connections.name, workspaceId: connections.workspaceId })
    .from(connections)
    .where(eq(connections.id, id));
  if (!c) throw new NotFoundError(`No connection ${id}`);
  const sql = await openConnection(db, c.workspaceId, c.name);
  try {
    const [r] = await sql<{ version: string }[]>`select version()`;
    return { ok: true as const, version: r?.version ?? "" };
  } catch (err) {
    return { ok: false as const, error: err instanceof Error ? err.message : String(err) };
  } finally {
    await sql.end({ timeout: 2 });
  }
}
