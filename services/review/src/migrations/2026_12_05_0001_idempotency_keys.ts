import type { Kysely } from "kysely";
import { createIdempotencyKeysTable, dropIdempotencyKeysTable } from "@clment/runtime";

/** Stored answers to POST requests that carried an Idempotency-Key (packages/idempotency). */
export async function up(db: Kysely<any>): Promise<void> {
  await createIdempotencyKeysTable(db, "review");
}

export async function down(db: Kysely<any>): Promise<void> {
  await dropIdempotencyKeysTable(db, "review");
}
