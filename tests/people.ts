import { randomBytes } from "node:crypto";
import { createCaller } from "../server/api/root";
import { contextFor, type Context } from "../server/api/trpc";
import type { Principal, Role } from "../common/roles";
import { createUser, createWorkspace, DEFAULT_WORKSPACE_ID, setMember } from "../server/auth/users";
import { eq } from "drizzle-orm";
import { getDb } from "../server/db/client";
import { workspaces } from "../server/db/schema";

export const TEST_PASSWORD = "correct horse battery";

/** A new person with `role` in the workspace (the Default one unless named). */
export async function principalAs(
  role: Role,
  workspaceId: string = DEFAULT_WORKSPACE_ID,
): Promise<Principal> {
  const db = getDb();
  const email = `${role}-${randomBytes(4).toString("hex")}@test.local`;
  const user = await createUser(db, { email, name: `Test ${role}`, password: TEST_PASSWORD });
  await setMember(db, workspaceId, user.id, role);
  const [ws] = await db.select().from(workspaces).where(eq(workspaces.id, workspaceId));
  return {
    userId: user.id,
    email,
    name: `Test ${role}`,
    workspaceId,
    workspaceName: ws?.name ?? "?",
    role,
  };
}

/** A tRPC caller acting as a new person with `role`; the person is created on first call. */
export function callerAs(role: Role = "admin", workspaceId?: string) {
  let ctx: Promise<Context> | undefined;
  return createCaller(() => (ctx ??= principalAs(role, workspaceId).then(contextFor)));
}

export function callerFor(p: Principal | null) {
  return createCaller(contextFor(p));
}

export async function newWorkspace(name = "Test") {
  return createWorkspace(getDb(), `${name} ${randomBytes(3).toString("hex")}`);
}
