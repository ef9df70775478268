import { sql, type Kysely } from "kysely";
import { createRetentionIndexes, dropRetentionIndexes } from "@clment/runtime";

/**
 * Indexes for the retention rules (@clment/runtime retention, data/retention.ts): old published
 * events, consumed-event ids, finished webhook deliveries, ended sessions.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await createRetentionIndexes(db, "settings");
  await sql`
    create index webhook_deliveries_finished
      on settings.webhook_deliveries (updated_at) where status <> 'pending';
    create index sessions_expires_at on settings.sessions (expires_at);
    create index sessions_revoked_at on settings.sessions (revoked_at) where revoked_at is not null;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index settings.sessions_revoked_at;
    drop index settings.sessions_expires_at;
    drop index settings.webhook_deliveries_finished;
  `.execute(db);
  await dropRetentionIndexes(db, "settings");
}
