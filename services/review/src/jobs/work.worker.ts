import { DelayedError, UnrecoverableError, Worker, type Job } from "bullmq";
import type { Logger } from "@clment/http";
import type { QueueSettings, Redis } from "@clment/queue";
import { publicReason } from "./job.errors.js";
import { JOB_NAMES, WORK_QUEUE, type JobName, type WorkJobData } from "./work.queue.js";

/** One kind of work: doing it, and giving up on it (marking it failed, releasing its credits). */
export interface WorkHandler {
  run(data: WorkJobData): Promise<void>;
  fail(data: WorkJobData, reason: string): Promise<void>;
}

export interface WorkWorkerOptions {
  connection: Redis;
  settings: QueueSettings;
  logger: Logger;
  handlers: Record<JobName, WorkHandler>;
  concurrency: number;
  /** How long a job stays locked without its worker renewing the lock (a dead worker). */
  lockMs: number;
}

/**
 * Whether this failure ends the work. A `DelayedError` is no failure: the job moved itself to
 * later (its contract's text is still being extracted), whatever attempt it is on.
 */
function isLastAttempt(job: Job, error: unknown): boolean {
  if (error instanceof DelayedError) return false;
  return error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * Runs review, redline and conversion jobs. A failure on the last attempt (or one no retry can
 * help) marks the resource failed and releases its credits; so does a job BullMQ gives up on
 * because its workers kept dying.
 */
export function startWorkWorker(options: WorkWorkerOptions): Worker<WorkJobData> {
  const missing = JOB_NAMES.filter((name) => !options.handlers[name]);
  if (missing.length > 0) throw new Error(`no handler for job(s): ${missing.join(", ")}`);
  const handlerOf = (job: Job<WorkJobData>) => options.handlers[job.name as JobName];

  const worker = new Worker<WorkJobData>(
    WORK_QUEUE,
    async (job) => {
      const handler = handlerOf(job);
      if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
      try {
        await handler.run(job.data);
      } catch (error) {
        if (isLastAttempt(job, error)) await handler.fail(job.data, publicReason(error));
        throw error;
      }
    },
    {
      connection: options.connection,
      prefix: options.settings.bullPrefix,
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: options.lockMs,
      // A job whose worker dies goes back to the queue up to three times (a rollout may kill it
      // more than once); the fourth death gives it up, marking it failed.
      maxStalledCount: 3,
    },
  );
  worker.on("error", (error) => options.logger.warn({ err: error }, "work worker error"));
  worker.on("failed", (job, error) => {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    options.logger.warn(
      { err: error, job: job.name, id: job.data.id, attempt: job.attemptsMade, attempts },
      `${job.name} job attempt failed`,
    );
    // A job BullMQ failed without our processor seeing the error (a worker that kept dying).
    const givenUp = job.attemptsMade >= attempts || /stalled/i.test(error.message);
    if (givenUp) {
      handlerOf(job)
        ?.fail(job.data, publicReason(error))
        .catch((failure: unknown) =>
          options.logger.error({ err: failure, id: job.data.id }, "could not mark the job failed"),
        );
    }
  });
  return worker;
}
