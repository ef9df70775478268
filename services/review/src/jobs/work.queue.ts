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

  /** For tests and operators: the job of a resource, if BullMQ still has it. */
  async job(name: JobName, id: string) {
    return this.queue.getJob(jobId(name, id));
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
