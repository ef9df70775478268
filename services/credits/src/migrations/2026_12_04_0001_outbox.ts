import type { Kysely } from "kysely";
import { createOutboxTables, dropOutboxTables } from "@clment/queue";

/** The transactional outbox and the consumed-event log of the credits schema. */
export async function up(db: Kysely<any>): Promise<void> {
  await createOutboxTables(db, "credits");
}

export async function down(db: Kysely<any>): Promise<void> {
  await dropOutboxTables(db, "credits");
}
