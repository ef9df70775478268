import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { IdempotencyRepository } from "./idempotency.repository.js";
import {
  IDEMPOTENCY_LEASE_SECONDS,
  IDEMPOTENCY_RETENTION_SECONDS,
} from "./idempotency.middleware.js";

/**
 * Deletes keys past their retention now and then. Expired keys are also taken over lazily when
 * reused, so this only keeps the table small. Returns a stop function.
 */
export function startIdempotencySweeper(options: {
  db: Kysely<unknown>;
  logger: Logger;
  intervalMs?: number;
}): () => Promise<void> {
  const repository = new IdempotencyRepository(
    options.db,
    IDEMPOTENCY_RETENTION_SECONDS,
    IDEMPOTENCY_LEASE_SECONDS,
  );
  let running: Promise<void> | undefined;
  const timer = setInterval(
    () => {
      if (running) return;
      running = (async () => {
        try {
          while ((await repository.deleteExpired()) > 0) {
            // keep going until a pass finds nothing
          }
        } catch (error) {
          options.logger.debug({ err: error }, "idempotency key sweep failed");
        }
      })().finally(() => {
        running = undefined;
      });
    },
    options.intervalMs ?? 10 * 60_000,
  );
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
