import { Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import { sql, type Kysely } from "kysely";
import type { Logger } from "pino";
import type { Redis } from "ioredis";
import { addScrapeSampler, eventsFailing, jobDuration } from "@clment/metrics";
import { EVENT_ROUTES, type EventEnvelope, type EventType } from "./events.js";
import { DEFAULT_RETRY_POLICY, eventRetryDelay, type RetryPolicy } from "./retry.js";
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
  /** How failed events are retried; the defaults suit production, tests shrink the times. */
  retry?: Partial<RetryPolicy>;
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
  private queue: Queue | undefined;
  private redriveTimer: NodeJS.Timeout | undefined;
  private redriving: Promise<unknown> | undefined;
  private stopSampler: (() => void) | undefined;
  private readonly policy: RetryPolicy;
  /** The delay BullMQ was given for a job's next attempt, read back by the `failed` log line. */
  private readonly retryDelays = new WeakMap<object, number>();

  constructor(private readonly options: ConsumerOptions) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  async start(): Promise<void> {
    const { settings, name, handlers, workerConnection, logger } = this.options;
    const routed = Object.entries(EVENT_ROUTES)
      .filter(([, consumers]) => consumers?.includes(name))
      .map(([type]) => type);
    const unhandled = routed.filter((type) => !(type in handlers));
    if (unhandled.length > 0) {
      // Exactly one handler per routed event, checked at start-up.
      throw new Error(`consumer ${name} has no handler for ${unhandled.join(", ")}`);
    }
    const queueName = consumerQueueName(name);
    this.worker = new Worker(queueName, (job: Job<EventEnvelope>) => this.handle(job), {
      connection: workerConnection,
      prefix: settings.bullPrefix,
      concurrency: this.options.concurrency ?? 4,
      settings: {
        // Event jobs carry the `event` backoff type (EVENT_JOB_OPTIONS): capped, jittered.
        backoffStrategy: (failures, _type, _error, job) => {
          const delay = eventRetryDelay(failures, this.policy);
          if (job) this.retryDelays.set(job, delay);
          return delay;
        },
      },
    });
    this.worker.on("error", (error) =>
      logger.warn({ err: error, consumer: name }, "event worker error"),
    );
    this.worker.on("failed", (job, error) => {
      const retryInMs = job ? this.retryDelays.get(job) : undefined;
      if (job) this.retryDelays.delete(job);
      // One line per failed attempt, with when the next one comes (null: the job is in the failed
      // set). An event that keeps failing logs its growing attempt count every few minutes (and
      // counts in clment_events_failing) until its handler is fixed.
      logger.error(
        {
          err: error,
          consumer: name,
          eventId: job?.id,
          type: job?.name,
          attempt: job?.attemptsMade,
          retryInMs: retryInMs ?? null,
        },
        "event handling failed",
      );
    });
    this.queue = new Queue(queueName, {
      connection: workerConnection,
      prefix: settings.bullPrefix,
    });
    this.queue.on("error", (error) =>
      logger.warn({ err: error, consumer: name }, "event queue error"),
    );
    this.scheduleRedrive();
    this.stopSampler = addScrapeSampler(() => this.sampleFailing());
  }

  async stop(): Promise<void> {
    clearTimeout(this.redriveTimer);
    this.redriveTimer = undefined;
    this.stopSampler?.();
    await this.worker?.close();
    await this.redriving;
    await this.queue?.close();
  }

  /**
   * Sends this region's failed event jobs back to the queue, where they are retried with the
   * usual backoff (their attempt count goes on). Jobs end up failed only outside the retry loop:
   * a worker died twice while handling one, or it was queued under an older, finite policy.
   * Events of another region stay failed: they are refused for good. Returns how many went back.
   * Runs every `redriveIntervalMs`; safe in every instance at once.
   */
  async redriveFailed(): Promise<number> {
    const queue = this.queue;
    if (!queue) return 0;
    let redriven = 0;
    let skipped = 0;
    // Bounded, so a job that fails again at once cannot keep one pass going.
    for (let page = 0; page < 10; page++) {
      const jobs = (await queue.getFailed(skipped, skipped + 99)) as Job<EventEnvelope>[];
      if (jobs.length === 0) break;
      for (const job of jobs) {
        if (job.data?.region !== this.options.region) {
          skipped++;
          continue;
        }
        try {
          await job.retry("failed");
          redriven++;
        } catch {
          // Another instance re-drove it first, or it was removed: nothing to do.
        }
      }
    }
    if (redriven > 0) {
      this.options.logger.warn(
        { consumer: this.options.name, redriven },
        "failed events sent back to the queue",
      );
    }
    return redriven;
  }

  private scheduleRedrive(): void {
    this.redriveTimer = setTimeout(() => {
      this.redriving = this.redriveFailed()
        .catch((error: unknown) =>
          // Redis is away: the next pass tries again.
          this.options.logger.warn(
            { err: error, consumer: this.options.name },
            "event re-drive failed",
          ),
        )
        .finally(() => {
          this.redriving = undefined;
          if (this.redriveTimer) this.scheduleRedrive();
        });
    }, this.policy.redriveIntervalMs);
    this.redriveTimer.unref();
  }

  /** Sets clment_events_failing at scrape; skipped while Redis is away (the scrape must not hang). */
  private async sampleFailing(): Promise<void> {
    if (!this.queue || this.options.workerConnection.status !== "ready") return;
    const queueName = consumerQueueName(this.options.name);
    let timer: NodeJS.Timeout | undefined;
    const counts = await Promise.race([
      this.queue.getJobCounts("delayed", "failed"),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("queue counts timed out")), 1_000);
      }),
    ]).finally(() => clearTimeout(timer));
    const labels = { service: this.options.name, queue: queueName };
    // The relay never delays a job, so a delayed event job is one waiting for its next attempt.
    eventsFailing.set({ ...labels, state: "retrying" }, counts.delayed ?? 0);
    eventsFailing.set({ ...labels, state: "failed" }, counts.failed ?? 0);
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
