import { Queue } from "bullmq";
import type { Logger } from "@clment/http";
import type { QueueSettings, Redis } from "@clment/queue";

/** The review service's queue of AI work. */
export const WORK_QUEUE = "review.work";

export const JOB_NAMES = ["review", "redline", "conversion"] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** What a job carries: ids only, never content or secrets. */
export interface WorkJobData {
  organizationId: string;
  id: string;
}

/** The job id of a resource's work: the same resource can never be queued twice. */
export function jobId(name: JobName, id: string): string {
  return `${name}-${id}`;
}

export interface WorkQueueOptions {
  attempts: number;
  backoffMs: number;
}

/** Queues review, redline and conversion jobs with deterministic ids, retries and backoff. */
export class WorkQueue {
  private readonly queue: Queue<WorkJobData>;

  constructor(
    connection: Redis,
    settings: QueueSettings,
    logger: Logger,
    private readonly options: WorkQueueOptions,
  ) {
    this.queue = new Queue<WorkJobData>(WORK_QUEUE, { connection, prefix: settings.bullPrefix });
    this.queue.on("error", (error) => logger.warn({ err: error }, "work queue error"));
  }

  async add(name: JobName, data: WorkJobData): Promise<void> {
    await this.queue.add(name, data, {
      jobId: jobId(name, data.id),
      attempts: this.options.attempts,
      backoff: { type: "exponential", delay: this.options.backoffMs },
      removeOnComplete: { count: 1_000 },
      removeOnFail: false,
    });
  }

  /**
   * Queues a resource's job again, for the sweeper; returns whether it will run. A job BullMQ
   * still waits on, delays or runs is left alone. One it finished or gave up on keeps its id,
   * so `add` would be ignored: it is retried instead, with all its attempts. A job BullMQ no
   * longer has is added.
   */
  async requeue(name: JobName, data: WorkJobData): Promise<boolean> {
    const job = await this.queue.getJob(jobId(name, data.id));
    if (!job) {
      await this.add(name, data);
      return true;
    }
    const state = await job.getState();
    if (state !== "failed" && state !== "completed") return false;
    try {
      await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
    } catch (error) {
      // Another instance's sweeper retried it first: it is on its way again.
      if ((await job.getState()) === state) throw error;
      return false;
    }
    return true;
  }

  /** For tests and operators: the job of a resource, if BullMQ still has it. */
  async job(name: JobName, id: string) {
    return this.queue.getJob(jobId(name, id));
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
