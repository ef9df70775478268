import { UnrecoverableError, Worker, type Job } from "bullmq";
import { sql, type Kysely } from "kysely";
import type { Logger } from "pino";
import type { Redis } from "ioredis";
import { jobDuration } from "@clment/metrics";
import { EVENT_ROUTES, type EventEnvelope, type EventType } from "./events.js";
import { consumerQueueName, type QueueSettings } from "./settings.js";

/**
 * A handler runs inside the transaction that records the event as processed, so its database
 * effects happen exactly once even when the event arrives twice.
 */
export type EventHandler<T extends EventType> = (
  event: EventEnvelope<T>,
  trx: Kysely<unknown>,
) => Promise<void>;

export type EventHandlers = { [T in EventType]?: EventHandler<T> };

export interface ConsumerOptions {
  /** The consuming service, e.g. `contracts`; it gets its own queue of events. */
  name: string;
  handlers: EventHandlers;
  /** The consumer's database, with a `processed_events` table; omit for stateless consumers. */
  db?: Kysely<unknown>;
  /** A blocking connection for the worker (maxRetriesPerRequest: null). */
  workerConnection: Redis;
  settings: QueueSettings;
  logger: Logger;
  region: string;
  concurrency?: number;
}

interface ProcessedEventsDb {
  processed_events: { consumer: string; event_id: string; processed_at: Date };
}

/**
 * Subscribes a service to events and processes them idempotently by event id. Events of another
 * region are refused (they cannot arrive through this region's prefix, and must not be handled
 * if they somehow do).
 */
export class EventConsumer {
  private worker: Worker | undefined;

  constructor(private readonly options: ConsumerOptions) {}

  async start(): Promise<void> {
    const { settings, name, handlers } = this.options;
    const routed = Object.entries(EVENT_ROUTES)
      .filter(([, consumers]) => consumers?.includes(name))
      .map(([type]) => type);
    const unhandled = routed.filter((type) => !(type in handlers));
    if (unhandled.length > 0) {
      // Exactly one handler per routed event, checked at start-up.
      throw new Error(`consumer ${name} has no handler for ${unhandled.join(", ")}`);
    }
    this.worker = new Worker(
      consumerQueueName(name),
      (job: Job<EventEnvelope>) => this.handle(job),
      {
        connection: this.options.workerConnection,
        prefix: settings.bullPrefix,
        concurrency: this.options.concurrency ?? 4,
      },
    );
    this.worker.on("error", (error) =>
      this.options.logger.warn({ err: error, consumer: name }, "event worker error"),
    );
    this.worker.on("failed", (job, error) =>
      this.options.logger.error(
        { err: error, consumer: name, eventId: job?.id, type: job?.name },
        "event handling failed",
      ),
    );
  }

  async stop(): Promise<void> {
    await this.worker?.close();
  }

  /** Handles one event; exported behaviour for tests through `handleEvent`. */
  async handleEvent(event: EventEnvelope): Promise<"handled" | "duplicate"> {
    if (event.region !== this.options.region) {
      throw new UnrecoverableError(`event ${event.id} belongs to region ${event.region}`);
    }
    const handler = this.options.handlers[event.type] as EventHandler<EventType> | undefined;
    if (!handler) return "handled";
    const db = this.options.db as Kysely<ProcessedEventsDb> | undefined;
    if (!db) {
      await handler(event, undefined as never);
      return "handled";
    }
    return db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto("processed_events")
        .values({ consumer: this.options.name, event_id: event.id, processed_at: sql<Date>`now()` })
        .onConflict((oc) => oc.doNothing())
        .returning("event_id")
        .executeTakeFirst();
      if (!inserted) return "duplicate" as const;
      await handler(event, trx as unknown as Kysely<unknown>);
      return "handled" as const;
    });
  }

  private async handle(job: Job<EventEnvelope>): Promise<string> {
    const labels = { service: this.options.name, queue: consumerQueueName(this.options.name) };
    const end = jobDuration.startTimer(labels);
    try {
      const outcome = await this.handleEvent(job.data);
      end({ outcome: "completed" });
      return outcome;
    } catch (error) {
      end({ outcome: "failed" });
      throw error;
    }
  }
}
