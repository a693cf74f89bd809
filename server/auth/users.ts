import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { hashPassword } from "better-auth/crypto";
import { and, asc, count, eq, ne } from "drizzle-orm";
import type { Db } from "../db/client";
import { accounts, memberships, users, workspaces, type Role } from "../db/schema";
import { env } from "../../lib/env";
import { PeopleError } from "../../lib/errors";

/** Where the migration put work saved before sign-in existed, and where the first admin starts. */
export const DEFAULT_WORKSPACE_ID = "00000000-0000-4000-8000-000000000001";

export async function createUser(
  db: Db,
  input: { email: string; name: string; password: string },
): Promise<{ id: string; email: string }> {
  if (input.password.length < 8)
    throw new PeopleError("The password must be at least 8 characters");
  const email = input.email.trim().toLowerCase();
  const hash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (existing) throw new PeopleError(`A user with email ${email} already exists`);
    const [user] = await tx
      .insert(users)
      .values({ email, name: input.name.trim() || email, emailVerified: true })
      .returning({ id: users.id, email: users.email });
    if (!user) throw new Error("insert returned no user");
    await tx
      .insert(accounts)
      .values({ userId: user.id, accountId: user.id, providerId: "credential", password: hash });
    return user;
  });
}

export async function setPassword(db: Db, userId: string, password: string): Promise<void> {
  if (password.length < 8) throw new PeopleError("The password must be at least 8 characters");
  await db
    .update(accounts)
    .set({ password: await hashPassword(password), updatedAt: new Date() })
    .where(and(eq(accounts.userId, userId), eq(accounts.providerId, "credential")));
}

export async function createWorkspace(db: Db, name: string, id?: string) {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "workspace";
  const [row] = await db
    .insert(workspaces)
    .values({ ...(id ? { id } : {}), name, slug: `${slug}-${randomBytes(3).toString("hex")}` })
    .returning();
  if (!row) throw new Error("insert returned no workspace");
  return row;
}

/** Adds a member, or changes their role; the last admin of a workspace cannot step down. */
export async function setMember(db: Db, workspaceId: string, userId: string, role: Role) {
  await db.transaction(async (tx) => {
    // Serializes role changes per workspace so two demotions cannot both pass the check.
    await tx
      .select({ id: workspaces.id })
      .from(workspaces)
      .where(eq(workspaces.id, workspaceId))
      .for("update");
    if (role !== "admin") await assertAnotherAdmin(tx as unknown as Db, workspaceId, userId);
    await tx
      .insert(memberships)
      .values({ workspaceId, userId, role })
      .onConflictDoUpdate({ target: [memberships.workspaceId, memberships.userId], set: { role } });
  });
}

export async function removeMember(db: Db, workspaceId: string, userId: string) {
  await db.transaction(async (tx) => {
    await tx
      .select({ id: workspaces.id })
      .from(workspaces)
      .where(eq(workspaces.id, workspaceId))
      .for("update");
    await assertAnotherAdmin(tx as unknown as Db, workspaceId, userId);
    await tx
      .delete(memberships)
      .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)));
  });
}

async function assertAnotherAdmin(db: Db, workspaceId: string, userId: string) {
  const [current] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)));
  if (current?.role !== "admin") return;
  const [others] = await db
    .select({ n: count() })
    .from(memberships)
    .where(
      and(
        eq(memberships.workspaceId, workspaceId),
        eq(memberships.role, "admin"),
        ne(memberships.userId, userId),
      ),
    );
  if (!others || others.n === 0)
    throw new PeopleError("A workspace needs at least one admin: make someone else admin first");
}

export async function listMembers(db: Db, workspaceId: string) {
  return db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: memberships.role,
      since: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.workspaceId, workspaceId))
    .orderBy(asc(users.email));
}

export async function userByEmail(db: Db, email: string) {
  const [u] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
  return u ?? null;
}

/**
 * First start: with nobody to sign in, create the admin of the Default workspace. The password is
 * ADMIN_PASSWORD or a random one written to <DATA_DIR>/admin-password.txt (mode 0600).
 */
export async function ensureFirstAdmin(
  db: Db,
): Promise<{ email: string; password?: string; passwordFile?: string } | null> {
  const [n] = await db.select({ n: count() }).from(users);
  if (n && n.n > 0) return null;
  const e = env();
  const password = e.ADMIN_PASSWORD ?? randomBytes(12).toString("base64url");
  const user = await createUser(db, { email: e.ADMIN_EMAIL, name: "Admin", password });
  await db
    .insert(workspaces)
    .values({ id: DEFAULT_WORKSPACE_ID, name: "Default", slug: "default" })
    .onConflictDoNothing();
  await setMember(db, DEFAULT_WORKSPACE_ID, user.id, "admin");
  if (e.ADMIN_PASSWORD) return { email: user.email };
  const passwordFile = path.join(e.dataDir, "admin-password.txt");
  if (!existsSync(e.dataDir)) mkdirSync(e.dataDir, { recursive: true });
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  return { email: user.email, password, passwordFile };
}

/** The workspace's governance settings (four eyes on approvals). */
export async function workspaceSettings(db: Db, workspaceId: string) {
  const [row] = await db
    .select({ fourEyes: workspaces.fourEyes, approvalWebhook: workspaces.approvalWebhook })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId));
  if (!row) throw new PeopleError(`No workspace ${workspaceId}`);
  return row;
}

export async function setFourEyes(db: Db, workspaceId: string, on: boolean) {
  await db.update(workspaces).set({ fourEyes: on }).where(eq(workspaces.id, workspaceId));
}

export async function setApprovalWebhook(db: Db, workspaceId: string, url: string | null) {
  await db.update(workspaces).set({ approvalWebhook: url }).where(eq(workspaces.id, workspaceId));
}
