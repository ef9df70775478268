import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "@clment/http";
import type { QueueSettings } from "@clment/queue";
import type { DocumentService } from "../domain/document.service.js";
import { QueueName, type ExtractionJobData } from "./queues.js";

/**
 * The worker that extracts text of large documents. CPU-bound, so one job at a time per
 * process; more processes scale it.
 */
export function startExtractionWorker(options: {
  connection: Redis;
  settings: QueueSettings;
  logger: Logger;
  documents: DocumentService;
}): Worker<ExtractionJobData> {
  const { documents, logger } = options;
  const worker = new Worker<ExtractionJobData>(
    QueueName.extraction,
    async (job: Job<ExtractionJobData>) => {
      await documents.extract(job.data.organizationId, job.data.versionId);
    },
    { connection: options.connection, prefix: options.settings.bullPrefix, concurrency: 1 },
  );
  worker.on("error", (error) => logger.warn({ err: error }, "extraction worker error"));
  worker.on("failed", (job, error) => {
    if (!job) return;
    logger.error({ err: error, versionId: job.data.versionId }, "text extraction failed");
    if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
      documents
        .giveUpExtraction(job.data.organizationId, job.data.versionId, "Text extraction failed")
        .catch((e: unknown) => logger.warn({ err: e }, "extraction not marked failed"));
    }
  });
  return worker;
}
