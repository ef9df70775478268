import type { Kysely } from "kysely";
import type { Logger } from "@clment/http";
import type { DB } from "../data/db.js";
import { WorkRepository } from "../data/work.repository.js";
import { RESERVATION_HOLD_MS } from "../domain/metering.js";
import { JOB_NAMES, type WorkQueue } from "./work.queue.js";

export interface SweeperOptions {
  db: Kysely<DB>;
  queue: WorkQueue;
  logger: Logger;
  intervalMs: number;
  /** How long a resource may sit unsettled (unfinished, or completed but uncharged) before its job is queued again. */
  staleMs: number;
}

/**
 * Queues again the job of any resource left unsettled for a long time: unfinished (Redis lost
 * its job, it could not be queued, or its last attempt could not mark it failed), or completed
 * but not charged while its credits are still held (every attempt to capture them failed), or
 * failed with its credits neither charged nor released (releasing them failed). The job does
 * what is left: the work, only the capture, or only the release. A job BullMQ still waits on or runs is
 * left alone; one it gave up on is retried. Returns how many jobs were queued again.
 */
export async function sweepOnce(options: Omit<SweeperOptions, "intervalMs">): Promise<number> {
  const work = new WorkRepository(options.db);
  let queued = 0;
  for (const name of JOB_NAMES) {
    const unsettled = [
      ...(await work.unfinished(name, options.staleMs, 100)),
      ...(await work.uncharged(name, options.staleMs, RESERVATION_HOLD_MS, 100)),
      ...(await work.unreleased(name, options.staleMs, RESERVATION_HOLD_MS, 100)),
    ];
    for (const item of unsettled) {
      const data = { organizationId: item.organizationId, id: item.id };
      if (await options.queue.requeue(name, data)) queued++;
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
