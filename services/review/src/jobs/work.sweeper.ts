import type { Kysely } from "kysely";
import type { Logger } from "@clment/http";
import type { DB } from "../data/db.js";
import { WorkRepository } from "../data/work.repository.js";
import { JOB_NAMES, type WorkQueue } from "./work.queue.js";

export interface SweeperOptions {
  db: Kysely<DB>;
  queue: WorkQueue;
  logger: Logger;
  intervalMs: number;
  /** How long a resource may sit unfinished before its job is queued again. */
  staleMs: number;
}

/**
 * Queues again the job of any resource left unfinished for a long time: Redis lost it (an
 * outage without persistence), or it could not be queued. The job id is the resource's, so a
 * job BullMQ still has (waiting, running, failed) is not duplicated.
 */
export async function sweepOnce(options: Omit<SweeperOptions, "intervalMs">): Promise<number> {
  const work = new WorkRepository(options.db);
  let queued = 0;
  for (const name of JOB_NAMES) {
    for (const item of await work.unfinished(name, options.staleMs, 100)) {
      await options.queue.add(name, { organizationId: item.organizationId, id: item.id });
      queued++;
    }
  }
  return queued;
}

/** Runs `sweepOnce` every `intervalMs`; returns a stop function. */
export function startSweeper(options: SweeperOptions): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = sweepOnce(options).catch((error: unknown) =>
      options.logger.warn({ err: error }, "work sweep failed"),
    );
  }, options.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
