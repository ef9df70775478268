import { Queue, Worker, type Job } from "bullmq";
import type { ServiceContext } from "@clment/runtime";
import type { WebhookConfig } from "../config.js";
import type { DB } from "../data/db.js";
import type { DeliveryJobRef } from "../data/webhook-delivery.repository.js";

export const WEBHOOK_DELIVERY_QUEUE = "webhook-deliveries";
const JOB_NAME = "deliver";
/** A request that queues an attempt does not wait longer than this for Redis. */
const SCHEDULE_TIMEOUT_MS = 2_000;

/** `work`, or a rejection after `ms` (the work itself carries on; queuing twice keeps one). */
function withTimeout<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  work.catch(() => undefined); // a late failure is the sweeper's to make up for
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export interface ScheduledAttempt extends DeliveryJobRef {
  delayMs?: number;
}

/** Where the delivery use cases put attempts to make; no secret goes into a job. */
export interface DeliveryScheduler {
  schedule(attempts: readonly ScheduledAttempt[]): Promise<void>;
}

export interface DeliveryWork {
  /** Makes one attempt of a delivery (a stale or duplicate job finds nothing to do). */
  attempt(job: DeliveryJobRef): Promise<void>;
  /** Deliveries due now that are not being attempted. */
  due(limit: number): Promise<DeliveryJobRef[]>;
}

/**
 * The BullMQ side of webhook delivery. Postgres is the source of truth of every delivery's
 * schedule; the queue is how an attempt starts on time. A job is named by delivery and
 * schedule step (`<deliveryId>.<seq>`), so queuing it twice keeps one. If Redis loses its jobs
 * (a restart, an outage while queuing), the sweeper finds the deliveries that are due in
 * Postgres and queues them again: no delivery is lost, at worst one is late by a sweep interval.
 */
export class WebhookDeliveryJobs implements DeliveryScheduler {
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private failedSchedules = 0;

  constructor(
    private readonly context: ServiceContext<DB>,
    private readonly config: WebhookConfig,
  ) {
    this.queue = new Queue(WEBHOOK_DELIVERY_QUEUE, {
      connection: context.redis,
      prefix: context.queues.bullPrefix,
    });
    this.queue.on("error", (error) =>
      context.logger.debug({ err: error }, "webhook delivery queue error"),
    );
  }

  /** Queues attempts; if Redis is away they stay due in Postgres and the sweeper queues them. */
  async schedule(attempts: readonly ScheduledAttempt[]): Promise<void> {
    if (attempts.length === 0) return;
    try {
      await withTimeout(
        SCHEDULE_TIMEOUT_MS,
        this.queue.addBulk(
          attempts.map((attempt) => ({
            name: JOB_NAME,
            data: { deliveryId: attempt.deliveryId, seq: attempt.seq } satisfies DeliveryJobRef,
            opts: {
              jobId: `${attempt.deliveryId}.${attempt.seq}`,
              delay: attempt.delayMs ?? 0,
              // The attempt itself never fails the job (its outcome is logged in Postgres); a job
              // fails only when Postgres is away, and is tried again shortly, then by the sweeper.
              attempts: 3,
              backoff: { type: "exponential", delay: 1_000 },
              removeOnComplete: true,
              removeOnFail: true,
            },
          })),
        ),
      );
      this.failedSchedules = 0;
    } catch (error) {
      if (this.failedSchedules++ % 50 === 0) {
        this.context.logger.warn(
          { err: error, deliveries: attempts.length },
          "could not queue webhook attempts; the sweeper will",
        );
      }
    }
  }

  start(work: DeliveryWork): void {
    const { context, config } = this;
    this.worker = new Worker(
      WEBHOOK_DELIVERY_QUEUE,
      (job: Job<DeliveryJobRef>) => work.attempt(job.data),
      {
        connection: context.workerConnection(),
        prefix: context.queues.bullPrefix,
        concurrency: config.concurrency,
        // An attempt holds its job for at most the attempt timeout; keep the lock well above.
        lockDuration: Math.max(30_000, config.timeoutMs * 2),
      },
    );
    context.worker(this.worker);
    this.worker.on("error", (error) =>
      context.logger.debug({ err: error }, "webhook delivery worker error"),
    );
    this.worker.on("failed", (job, error) =>
      context.logger.warn({ err: error, delivery: job?.data }, "webhook attempt job failed"),
    );
    this.sweeper = setInterval(() => {
      this.sweeping ??= this.sweep(work).finally(() => (this.sweeping = undefined));
    }, config.sweepIntervalMs);
    this.sweeper.unref();
  }

  private async sweep(work: DeliveryWork): Promise<void> {
    try {
      const due = await work.due(500);
      await this.schedule(due);
    } catch (error) {
      this.context.logger.debug({ err: error }, "webhook sweep failed");
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
    await this.worker?.close();
    await this.queue.close();
  }
}
