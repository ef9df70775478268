import type { Kysely } from "kysely";
import { writeEvent, type EventType, type NewEvent } from "@clment/queue";
import type { Db, DB } from "./db.js";

/**
 * Runs `work` in one transaction, then asks the outbox relay to publish what it recorded. Events
 * written with `recordEvent` inside `work` are published if and only if the work commits.
 */
export class Transactions {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly relay: { kick(): void },
  ) {}

  async run<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    const result = await this.db.transaction().execute(work);
    this.relay.kick();
    return result;
  }
}

export async function recordEvent<T extends EventType>(trx: Db, event: NewEvent<T>): Promise<void> {
  await writeEvent(trx as unknown as Kysely<unknown>, event);
}
