import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { memberships, workspaces } from "../db/schema";
import { getAuth } from "./auth";
import { resolveToken } from "./tokens";
import type { Principal } from "../../common/roles";

/** The browser's chosen workspace; not a secret, only a choice the server checks. */
export const WORKSPACE_COOKIE = "flowforge.workspace";

export type SessionUser = { id: string; email: string; name: string };

function cookieValue(headers: Headers, name: string): string | undefined {
  const cookie = headers.get("cookie");
  if (!cookie) return undefined;
  for (const part of cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

export async function sessionUser(headers: Headers): Promise<SessionUser | null> {
  const session = await getAuth().api.getSession({ headers });
  if (!session) return null;
  return { id: session.user.id, email: session.user.email, name: session.user.name };
}

/** The workspaces a person belongs to, oldest membership first. */
export async function workspacesOf(db: Db, userId: string) {
  return db
    .select({
      workspaceId: workspaces.id,
      workspaceName: workspaces.name,
      slug: workspaces.slug,
      role: memberships.role,
    })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt), asc(workspaces.name));
}

/**
 * The signed-in person acting in the workspace they chose (cookie or header), or in their first
 * one; null where they belong to none.
 */
export async function principalFor(
  db: Db,
  user: SessionUser,
  wanted?: string,
): Promise<Principal | null> {
  const mine = await workspacesOf(db, user.id);
  const pick = mine.find((m) => m.workspaceId === wanted) ?? mine[0];
  if (!pick) return null;
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    workspaceId: pick.workspaceId,
    workspaceName: pick.workspaceName,
    role: pick.role,
  };
}

export async function resolveRequest(
  db: Db,
  headers: Headers,
): Promise<{
  user: SessionUser | null;
  principal: Principal | null;
  refused?: string;
  viaToken?: boolean;
}> {
  // A bearer token speaks for itself: its workspace and role, whatever cookies came along.
  const bearer = headers.get("authorization");
  if (bearer?.startsWith("Bearer ")) {
    const t = await resolveToken(db, bearer.slice(7).trim());
    return t.ok
      ? { user: t.user, principal: t.principal, viaToken: true }
      : { user: null, principal: null, refused: t.reason };
  }
  const user = await sessionUser(headers);
  if (!user) return { user: null, principal: null };
  const wanted = headers.get("x-flowforge-workspace") ?? cookieValue(headers, WORKSPACE_COOKIE);
  return { user, principal: await principalFor(db, user, wanted) };
}

export async function roleIn(db: Db, userId: string, workspaceId: string) {
  const [m] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.userId, userId), eq(memberships.workspaceId, workspaceId)));
  return m?.role ?? null;
}
