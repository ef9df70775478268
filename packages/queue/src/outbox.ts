import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { sql, type Kysely } from "kysely";
import type { Logger } from "pino";
import type { Redis } from "ioredis";
import {
  EVENT_ROUTES,
  type EventEnvelope,
  type EventRoutes,
  type EventType,
  type NewEvent,
} from "./events.js";
import { EVENT_JOB_OPTIONS } from "./retry.js";
import { consumerQueueName, type QueueSettings } from "./settings.js";

/**
 * The outbox table every service that emits events has in its own schema:
 *   outbox (id uuid primary key, type text, organization_id uuid null, payload jsonb,
 *           created_at timestamptz, published_at timestamptz null)
 */
export interface OutboxTable {
  id: string;
  type: string;
  organization_id: string | null;
  payload: unknown;
  created_at: Date;
  published_at: Date | null;
}

interface OutboxDb {
  outbox: OutboxTable;
}

/**
 * Writes an event in the caller's transaction: it is published if and only if the change
 * commits. Returns the event id.
 */
export async function writeEvent<T extends EventType>(
  trx: Kysely<unknown>,
  event: NewEvent<T>,
): Promise<string> {
  const id = randomUUID();
  await (trx as unknown as Kysely<OutboxDb>)
    .insertInto("outbox")
    .values({
      id,
      type: event.type,
      organization_id: event.organizationId,
      payload: JSON.stringify(event.data),
    } as never)
    .execute();
  return id;
}

export interface RelayOptions {
  db: Kysely<unknown>;
  /** A fail-fast client connection, shared with the process. */
  redis: Redis;
  settings: QueueSettings;
  logger: Logger;
  region: string;
  pollMs?: number;
  batchSize?: number;
  /** Which consumers get which events; the region's topology by default. */
  routes?: EventRoutes;
}

/**
 * Moves committed events from the outbox to the queues of the services subscribed to them.
 * Safe to run in every instance of a service: rows are claimed with SKIP LOCKED, and a row is
 * marked published only after every subscriber's queue accepted it (a queue that already has
 * the job keeps one copy, as the job id is the event id).
 */
export class OutboxRelay {
  private readonly db: Kysely<OutboxDb>;
  private readonly queues = new Map<string, Queue>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private again = false;
  private failures = 0;

  constructor(private readonly options: RelayOptions) {
    this.db = options.db as unknown as Kysely<OutboxDb>;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Asks for a relay pass now (after a commit) instead of at the next poll. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }

  /** One pass; returns how many events were published. Exposed for tests. */
  async relayOnce(): Promise<number> {
    const batchSize = this.options.batchSize ?? 100;
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom("outbox")
        .selectAll()
        .where("published_at", "is", null)
        .orderBy("created_at")
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return 0;
      for (const row of rows) await this.publish(row);
      await trx
        .updateTable("outbox")
        .set({ published_at: sql<Date>`now()` })
        .where(
          "id",
          "in",
          rows.map((r) => r.id),
        )
        .execute();
      return rows.length;
    });
  }

  private async publish(row: OutboxTable): Promise<void> {
    const envelope: EventEnvelope = {
      id: row.id,
      type: row.type as EventType,
      organizationId: row.organization_id,
      region: this.options.region,
      createdAt: row.created_at.toISOString(),
      data: (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as never,
    };
    const consumers = (this.options.routes ?? EVENT_ROUTES)[row.type as EventType] ?? [];
    await Promise.all(
      consumers.map((consumer) =>
        this.queue(consumer).add(row.type, envelope, { ...EVENT_JOB_OPTIONS, jobId: row.id }),
      ),
    );
  }

  private queue(consumer: string): Queue {
    let queue = this.queues.get(consumer);
    if (!queue) {
      queue = new Queue(consumerQueueName(consumer), {
        connection: this.options.redis,
        prefix: this.options.settings.bullPrefix,
      });
      queue.on("error", (error) => this.options.logger.warn({ err: error }, "event queue error"));
      this.queues.set(consumer, queue);
    }
    return queue;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopped || this.running) return;
    this.running = (async () => {
      let published = 0;
      try {
        do {
          this.again = false;
          published = await this.relayOnce();
        } while ((published > 0 || this.again) && !this.stopped);
        this.failures = 0;
      } catch (error) {
        this.failures++;
        // Redis or Postgres is away: the events stay in the outbox and go out when it is back.
        if (this.failures === 1 || this.failures % 50 === 0) {
          this.options.logger.warn({ err: error, failures: this.failures }, "outbox relay failed");
        }
      }
    })().finally(() => {
      this.running = undefined;
      if (!this.stopped) {
        const base = this.options.pollMs ?? 250;
        this.schedule(this.again ? 0 : Math.min(base * 2 ** Math.min(this.failures, 3), 2_000));
      }
    });
  }
}

/**
 * The outbox and the consumed-event log of a service's schema, created by one of its
 * migrations: every service has the same two tables (writeEvent, OutboxRelay, EventConsumer).
 */
export async function createOutboxTables(db: Kysely<unknown>, schema: string): Promise<void> {
  const table = (name: string) => sql.id(schema, name);
  await sql`
    create table ${table("outbox")} (
      id uuid primary key,
      type text not null,
      organization_id uuid,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      published_at timestamptz
    );
    create index outbox_unpublished on ${table("outbox")} (created_at) where published_at is null;
    create table ${table("processed_events")} (
      consumer text not null,
      event_id uuid not null,
      processed_at timestamptz not null default now(),
      primary key (consumer, event_id)
    );
  `.execute(db);
}

export async function dropOutboxTables(db: Kysely<unknown>, schema: string): Promise<void> {
  await sql`
    drop table ${sql.id(schema, "processed_events")}; drop table ${sql.id(schema, "outbox")};
  `.execute(db);
}
