import type { Kysely } from "kysely";
import type { Logger } from "@clment/http";
import type { DB } from "./data/db.js";
import type { ExtractionQueue } from "./jobs/extraction.queue.js";
import type { ReminderQueue } from "./jobs/reminder.queue.js";
import type { BlobStore } from "./storage/blob-store.js";

/** Limits and timings of the service; tests shorten some of them. */
export interface ContractsSettings {
  /** Largest document accepted (25 MiB). */
  maxUploadBytes: number;
  /** Documents up to this size are extracted during the upload; larger ones in a job. */
  inlineExtractionMaxBytes: number;
  /** How much of a document's text goes into the search index. */
  maxIndexedTextChars: number;
  /** How often lost reminder and extraction jobs are looked for. */
  sweepIntervalMs: number;
}

export const DEFAULT_SETTINGS: ContractsSettings = {
  maxUploadBytes: 25 * 1024 * 1024,
  inlineExtractionMaxBytes: 512 * 1024,
  maxIndexedTextChars: 200_000,
  sweepIntervalMs: 60_000,
};

/** What the use cases of the service share: stores, queues, the clock. Built once per process. */
export interface ContractsApp {
  db: Kysely<DB>;
  logger: Logger;
  /** Publishes committed outbox events now rather than at the next poll. */
  kickRelay(): void;
  blobs: BlobStore;
  clock: () => Date;
  settings: ContractsSettings;
  extractionQueue: ExtractionQueue;
  reminderQueue: ReminderQueue;
}
