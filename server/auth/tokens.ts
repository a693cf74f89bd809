import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import { atLeast, roleLadder, type Principal, type Role } from "../../common/roles";
import type { Db } from "../db/client";
import { apiTokens, memberships, users, workspaces } from "../db/schema";
import { NotFoundError, PeopleError } from "../../lib/errors";

// API tokens for CI and scripts: `Authorization: Bearer fft_…` on every tRPC procedure and HTTP
// route, with the same role checks as a session. Only the SHA-256 of a token is stored.

export const TOKEN_PREFIX = "fft_";
const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** The lower of two roles: a token never gives more than its owner has now. */
const lower = (a: Role, b: Role): Role => (atLeast(a, b) ? b : a);

export type TokenResolution =
  | { ok: true; principal: Principal; user: { id: string; email: string; name: string } }
  | { ok: false; reason: string };

/** Who a bearer token acts as, or why it does not (unknown, revoked, expired, no membership). */
export async function resolveToken(db: Db, token: string): Promise<TokenResolution> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200)
    return { ok: false, reason: "Not a Flowforge API token" };
  const [row] = await db
    .select({
      id: apiTokens.id,
      role: apiTokens.role,
      expiresAt: apiTokens.expiresAt,
      revokedAt: apiTokens.revokedAt,
      lastUsedAt: apiTokens.lastUsedAt,
      workspaceId: apiTokens.workspaceId,
      workspaceName: workspaces.name,
      userId: users.id,
      email: users.email,
      name: users.name,
      memberRole: memberships.role,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .innerJoin(workspaces, eq(workspaces.id, apiTokens.workspaceId))
    .leftJoin(
      memberships,
      and(
        eq(memberships.userId, apiTokens.userId),
        eq(memberships.workspaceId, apiTokens.workspaceId),
      ),
    )
    .where(eq(apiTokens.tokenHash, hashToken(token)));
  if (!row) return { ok: false, reason: "Unknown API token" };
  if (row.revokedAt) return { ok: false, reason: "This API token was revoked" };
  const now = new Date();
  if (row.expiresAt && row.expiresAt <= now)
    return { ok: false, reason: `This API token expired on ${row.expiresAt.toISOString()}` };
  if (!row.memberRole)
    return { ok: false, reason: "This API token's owner no longer belongs to its workspace" };
  // Last use to the minute: one write a minute per token, not one per request.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000)
    await db
      .update(apiTokens)
      .set({ lastUsedAt: now })
      .where(
        and(
          eq(apiTokens.id, row.id),
          or(
            isNull(apiTokens.lastUsedAt),
            lt(apiTokens.lastUsedAt, new Date(now.getTime() - 60_000)),
          ),
        ),
      );
  const user = { id: row.userId, email: row.email, name: row.name };
  return {
    ok: true,
    user,
    principal: {
      userId: row.userId,
      email: row.email,
      name: row.name,
      workspaceId: row.workspaceId,
      workspaceName: row.workspaceName,
      role: lower(row.role, row.memberRole),
    },
  };
}

function newToken() {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { token, tokenHash: hashToken(token), prefix: token.slice(0, TOKEN_PREFIX.length + 6) };
}

const expiry = (days: number | null | undefined) =>
  days ? new Date(Date.now() + days * 86_400_000) : null;

/** A token acting as the caller, at most at their role; the token is returned once. */
export async function createPersonalToken(
  db: Db,
  p: Principal,
  input: { name: string; role?: Role; expiresInDays?: number | null },
) {
  const role = input.role ? lower(input.role, p.role) : p.role;
  const t = newToken();
  const [row] = await db
    .insert(apiTokens)
    .values({
      workspaceId: p.workspaceId,
      userId: p.userId,
      kind: "personal",
      name: input.name,
      role,
      tokenHash: t.tokenHash,
      prefix: t.prefix,
      expiresAt: expiry(input.expiresInDays),
      createdBy: p.userId,
    })
    .returning({ id: apiTokens.id, expiresAt: apiTokens.expiresAt });
  return { id: row!.id, token: t.token, role, expiresAt: row!.expiresAt };
}

/**
 * A workspace service account: a member that cannot sign in (no password), with its role, and
 * its first token. Its name is its identity in runs and the audit log.
 */
export async function createServiceAccount(
  db: Db,
  p: Principal,
  input: { name: string; role: Role; expiresInDays?: number | null },
) {
  const [ws] = await db
    .select({ slug: workspaces.slug })
    .from(workspaces)
    .where(eq(workspaces.id, p.workspaceId));
  const email = `${input.name}@${ws!.slug}.service.flowforge`;
  return db.transaction(async (tx) => {
    const [taken] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (taken) throw new PeopleError(`A service account named ${input.name} already exists`);
    const [user] = await tx
      .insert(users)
      .values({ email, name: `${input.name} (service account)`, emailVerified: true })
      .returning({ id: users.id });
    await tx
      .insert(memberships)
      .values({ workspaceId: p.workspaceId, userId: user!.id, role: input.role });
    const t = newToken();
    const [row] = await tx
      .insert(apiTokens)
      .values({
        workspaceId: p.workspaceId,
        userId: user!.id,
        kind: "service",
        name: input.name,
        role: input.role,
        tokenHash: t.tokenHash,
        prefix: t.prefix,
        expiresAt: expiry(input.expiresInDays),
        createdBy: p.userId,
      })
      .returning({ id: apiTokens.id, expiresAt: apiTokens.expiresAt });
    return { id: row!.id, userId: user!.id, email, token: t.token, expiresAt: row!.expiresAt };
  });
}

/** The caller's own tokens; an admin also sees the workspace's service accounts. */
export async function listTokens(db: Db, p: Principal) {
  const rows = await db
    .select({
      id: apiTokens.id,
      kind: apiTokens.kind,
      name: apiTokens.name,
      role: apiTokens.role,
      prefix: apiTokens.prefix,
      owner: users.email,
      expiresAt: apiTokens.expiresAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
      createdAt: apiTokens.createdAt,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(
      and(
        eq(apiTokens.workspaceId, p.workspaceId),
        atLeast(p.role, "admin")
          ? or(eq(apiTokens.userId, p.userId), eq(apiTokens.kind, "service"))
          : eq(apiTokens.userId, p.userId),
      ),
    )
    .orderBy(desc(apiTokens.createdAt));
  return rows;
}

/** Revokes a token: one's own, or (admins) a service account's. Idempotent. */
export async function revokeToken(db: Db, p: Principal, id: string) {
  const [row] = await db
    .select({ userId: apiTokens.userId, kind: apiTokens.kind, name: apiTokens.name })
    .from(apiTokens)
    .where(and(eq(apiTokens.id, id), eq(apiTokens.workspaceId, p.workspaceId)));
  const mayRevoke =
    row && (row.userId === p.userId || (row.kind === "service" && atLeast(p.role, "admin")));
  if (!mayRevoke) throw new NotFoundError(`No API token ${id} of yours`);
  await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));
  return row;
}

export const tokenRoles = roleLadder;
