import { Queue, UnrecoverableError, Worker } from "bullmq";
import type { ServiceContext } from "@clment/runtime";
import type { DB } from "../data/db.js";

export const CREDITS_QUEUE = "credits.jobs";

/** The credits service's periodic jobs, each run by one worker of the region at a time. */
export const CreditsJob = {
  /** Releases reservations whose hold ran out without a capture or release. */
  ExpireReservations: "reservations.expire",
  /** Starts the new period of accounts whose period ended: old allowance expires, new is granted. */
  RollOverPeriods: "periods.roll-over",
  /** Expires what is left in credit packs older than 12 months. */
  ExpirePacks: "packs.expire",
} as const;

export type CreditsJobName = (typeof CreditsJob)[keyof typeof CreditsJob];

export interface CreditsJobPlan {
  /** Exactly one handler per job (the type says so). */
  handlers: Record<CreditsJobName, () => Promise<number>>;
  /** How often each job runs, in milliseconds. */
  every: Record<CreditsJobName, number>;
}

/**
 * Schedules the periodic jobs (a BullMQ job scheduler per job: deterministic ids, so every
 * instance of the service upserts the same three schedules) and starts the worker.
 */
export async function startCreditsJobs(
  context: ServiceContext<DB>,
  plan: CreditsJobPlan,
): Promise<void> {
  const { logger } = context;
  const queue = new Queue(CREDITS_QUEUE, {
    connection: context.redis,
    prefix: context.queues.bullPrefix,
  });
  queue.on("error", (error) => logger.warn({ err: error }, "credits queue error"));
  const worker = new Worker(
    CREDITS_QUEUE,
    async (job) => {
      const handler = plan.handlers[job.name as CreditsJobName];
      if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
      const done = await handler();
      if (done > 0) logger.info({ job: job.name, done }, "credits job done");
      return done;
    },
    {
      connection: context.workerConnection(),
      prefix: context.queues.bullPrefix,
      concurrency: 1,
    },
  );
  context.worker(worker);
  worker.on("error", (error) => logger.warn({ err: error }, "credits worker error"));
  worker.on("failed", (job, error) =>
    logger.error({ err: error, job: job?.name }, "credits job failed"),
  );
  context.onClose(async () => {
    await worker.close();
    await queue.close();
  });
  for (const [name, every] of Object.entries(plan.every)) {
    await queue.upsertJobScheduler(
      name,
      { every },
      { name, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }
}
