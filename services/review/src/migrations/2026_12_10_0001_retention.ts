import type { Kysely } from "kysely";
import { createRetentionIndexes, dropRetentionIndexes } from "@clment/runtime";

/** Indexes for deleting old published events and consumed-event ids (@clment/runtime retention). */
export async function up(db: Kysely<any>): Promise<void> {
  await createRetentionIndexes(db, "review");
}

export async function down(db: Kysely<any>): Promise<void> {
  await dropRetentionIndexes(db, "review");
}
