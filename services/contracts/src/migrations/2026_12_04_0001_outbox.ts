import type { Kysely } from "kysely";
import { createOutboxTables, dropOutboxTables } from "@clment/queue";

/** The transactional outbox and the consumed-event log of the contracts schema. */
export async function up(db: Kysely<any>): Promise<void> {
  await createOutboxTables(db, "contracts");
}

export async function down(db: Kysely<any>): Promise<void> {
  await dropOutboxTables(db, "contracts");
}
