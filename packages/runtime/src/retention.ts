import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Logger } from "@clment/http";

/**
 * Rows a service no longer needs, in one of its own tables: `expired` is the SQL condition
 * that selects them. Rules should be served by an index (see `createRetentionIndexes`).
 */
export interface RetentionRule {
  table: string;
  expired: RawBuilder<unknown>;
}

/** How long the tables every service has keep their rows. */
export const RETENTION = {
  /** Published events: kept a week to look into what was sent; the consumers have them. */
  outboxDays: 7,
  /** Consumed-event ids: redelivery of an event this old cannot happen (queues keep hours). */
  processedEventsDays: 30,
} as const;

/** The rules every service runs: idempotency keys past their replay window, old events. */
export const COMMON_RETENTION_RULES: readonly RetentionRule[] = [
  { table: "idempotency_keys", expired: sql`expires_at <= now()` },
  {
    table: "outbox",
    expired: sql`published_at < now() - make_interval(days => ${RETENTION.outboxDays})`,
  },
  {
    table: "processed_events",
    expired: sql`processed_at < now() - make_interval(days => ${RETENTION.processedEventsDays})`,
  },
];

/** Indexes for the common rules, created by a migration in each service's schema. */
export async function createRetentionIndexes(db: Kysely<unknown>, schema: string): Promise<void> {
  await sql`
    create index if not exists outbox_published
      on ${sql.id(schema, "outbox")} (published_at) where published_at is not null;
    create index if not exists processed_events_processed_at
      on ${sql.id(schema, "processed_events")} (processed_at);
  `.execute(db);
}

export async function dropRetentionIndexes(db: Kysely<unknown>, schema: string): Promise<void> {
  await sql`
    drop index if exists ${sql.id(schema, "outbox_published")};
    drop index if exists ${sql.id(schema, "processed_events_processed_at")};
  `.execute(db);
}

/**
 * Deletes what the rules select, in batches (short statements: no long lock, no bloat spike),
 * until a batch comes back short. Tables are named without schema: the database's search path
 * is the service's schema. Returns the rows deleted per table.
 */
export async function purgeExpired(
  db: Kysely<unknown>,
  rules: readonly RetentionRule[],
  batchSize = 1_000,
): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const rule of rules) {
    let total = 0;
    for (;;) {
      const result = await sql`
        delete from ${sql.table(rule.table)}
        where ctid = any (array(
          select ctid from ${sql.table(rule.table)} where ${rule.expired} limit ${batchSize}
        ))
      `.execute(db);
      const count = Number(result.numAffectedRows ?? 0);
      total += count;
      if (count < batchSize) break;
    }
    deleted[rule.table] = (deleted[rule.table] ?? 0) + total;
  }
  return deleted;
}

/**
 * Runs `purgeExpired` now and then (first pass a minute after start). A failed pass (Postgres
 * away) is logged and tried at the next interval. Several instances may run it: a row deleted
 * by one is simply not found by the other. Returns a stop function that waits for a pass.
 */
export function startRetention(options: {
  db: Kysely<unknown>;
  rules: readonly RetentionRule[];
  logger: Logger;
  intervalMs: number;
}): () => Promise<void> {
  let running: Promise<void> | undefined;
  const pass = () => {
    running ??= purgeExpired(options.db, options.rules)
      .then(
        (deleted) => {
          const any = Object.values(deleted).some((count) => count > 0);
          if (any) options.logger.info({ deleted }, "retention: deleted expired rows");
        },
        (error: unknown) => options.logger.warn({ err: error }, "retention pass failed"),
      )
      .finally(() => (running = undefined));
  };
  const first = setTimeout(pass, Math.min(60_000, options.intervalMs));
  const timer = setInterval(pass, options.intervalMs);
  first.unref();
  timer.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(timer);
    await running;
  };
}
