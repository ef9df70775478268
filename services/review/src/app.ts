import type { Kysely } from "kysely";
import type { Logger } from "@clment/http";
import type { ContractsPort } from "./clients/contracts.client.js";
import type { ReviewSettings } from "./config.js";
import type { DB } from "./data/db.js";
import type { Metering } from "./domain/metering.js";
import type { ReviewProvider } from "./engine/review.types.js";
import type { WorkQueue } from "./jobs/work.queue.js";

/** What the use cases of the service share: stores, peers, the queue. Built once per process. */
export interface ReviewApp {
  db: Kysely<DB>;
  logger: Logger;
  /** Publishes committed outbox events now rather than at the next poll. */
  kickRelay(): void;
  settings: ReviewSettings;
  contracts: ContractsPort;
  metering: Metering;
  provider: ReviewProvider;
  queue: WorkQueue;
}
