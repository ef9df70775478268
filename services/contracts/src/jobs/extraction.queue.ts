import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "@clment/http";
import type { QueueSettings } from "@clment/queue";
import { extractionJobId, JobName, QueueName, type ExtractionJobData } from "./queues.js";

/** Queues text extraction of document versions too large to extract during the upload. */
export class ExtractionQueue {
  private readonly queue: Queue<ExtractionJobData>;

  constructor(redis: Redis, settings: QueueSettings, logger: Logger) {
    this.queue = new Queue<ExtractionJobData>(QueueName.extraction, {
      connection: redis,
      prefix: settings.bullPrefix,
    });
    this.queue.on("error", (error) => logger.warn({ err: error }, "extraction queue error"));
  }

  async enqueue(data: ExtractionJobData): Promise<void> {
    await this.queue.add(JobName.extractText, data, {
      jobId: extractionJobId(data.versionId),
      attempts: 5,
      backoff: { type: "exponential", delay: 1_000 },
      removeOnComplete: { count: 1_000 },
      // Kept a day for inspection; then the sweep may queue the version again.
      removeOnFail: { age: 24 * 60 * 60 },
    });
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
