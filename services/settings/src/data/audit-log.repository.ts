import type { Selectable } from "kysely";
import type { AuditLogTable, Db } from "./db.js";
import type { ListOptions, ListPage } from "./list.js";

export type AuditLogRow = Selectable<AuditLogTable>;

export interface NewAuditEntry {
  organizationId: string;
  action: string;
  actor: { type: string; id: string };
  target: { type: string; id: string } | null;
  requestId: string | null;
  metadata?: Record<string, unknown>;
}

export const auditLogRepository = {
  async insert(db: Db, entry: NewAuditEntry): Promise<void> {
    await db
      .insertInto("audit_log")
      .values({
        organization_id: entry.organizationId,
        action: entry.action,
        actor_type: entry.actor.type,
        actor_id: entry.actor.id,
        target_type: entry.target?.type ?? null,
        target_id: entry.target?.id ?? null,
        request_id: entry.requestId,
        metadata: JSON.stringify(entry.metadata ?? {}),
      })
      .execute();
  },

  async list(db: Db, organizationId: string, options: ListOptions): Promise<ListPage<AuditLogRow>> {
    const direction = options.descending ? "desc" : "asc";
    const [items, count] = await Promise.all([
      db
        .selectFrom("audit_log")
        .selectAll()
        .where("organization_id", "=", organizationId)
        .orderBy("created_at", direction)
        .orderBy("id", direction)
        .offset(options.skip)
        .limit(options.take)
        .execute(),
      db
        .selectFrom("audit_log")
        .select((eb) => eb.fn.countAll<number>().as("total"))
        .where("organization_id", "=", organizationId)
        .executeTakeFirstOrThrow(),
    ]);
    return { items, total: count.total };
  },
};
