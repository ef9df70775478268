import type { Kysely } from "kysely";
import { writeEvent, type EventMap, type EventType } from "@clment/queue";
import type { DB } from "../data/db.js";

/** Writes an event to the outbox in the caller's transaction. */
export async function emit<T extends EventType>(
  trx: Kysely<DB>,
  type: T,
  organizationId: string,
  data: EventMap[T],
): Promise<void> {
  await writeEvent(trx as unknown as Kysely<unknown>, { type, organizationId, data });
}
