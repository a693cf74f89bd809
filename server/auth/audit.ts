import { and, desc, eq, gte, lte, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { auditLog } from "../db/schema";
import type { Principal } from "../../common/roles";

export type AuditEntry = {
  action: string;
  targetType: string;
  targetId?: string | null;
  detail?: Record<string, unknown>;
};

/** Appends to the audit log. Actions are verbs on a target: "pipeline.save", "run.approve". */
export async function audit(db: Db, who: Principal, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    workspaceId: who.workspaceId,
    actorId: who.userId,
    actorEmail: who.email,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId ?? null,
    detail: entry.detail ?? {},
  });
}

export type AuditFilter = {
  action?: string;
  actorEmail?: string;
  from?: Date;
  to?: Date;
  limit?: number;
};

export async function listAudit(db: Db, workspaceId: string, filter: AuditFilter = {}) {
  const where: SQL[] = [eq(auditLog.workspaceId, workspaceId)];
  if (filter.action) where.push(eq(auditLog.action, filter.action));
  if (filter.actorEmail) where.push(eq(auditLog.actorEmail, filter.actorEmail));
  if (filter.from) where.push(gte(auditLog.at, filter.from));
  if (filter.to) where.push(lte(auditLog.at, filter.to));
  return db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(filter.limit ?? 200);
}
