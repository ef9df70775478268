import type { ContractsApp } from "../app.js";
import { DocumentRepository } from "../data/document.repository.js";
import { ReminderRepository } from "../data/reminder.repository.js";

/** Pending extractions older than this are queued again (their job may be lost). */
const EXTRACTION_GRACE_MS = 2 * 60 * 1000;

/**
 * Queues again what Redis may have lost (it keeps nothing on disk here): reminders coming due
 * soon and extractions left pending. Job ids are deterministic, so a job that still exists is
 * not duplicated, and the Postgres rows decide what actually happens.
 */
export async function sweepOnce(
  app: ContractsApp,
): Promise<{ reminders: number; extractions: number }> {
  const now = app.clock();
  const horizon = new Date(now.getTime() + 2 * app.settings.sweepIntervalMs);
  const due = await new ReminderRepository(app.db).dueBefore(horizon, 500);
  for (const reminder of due) await app.reminderQueue.schedule(reminder);
  const pending = await new DocumentRepository(app.db).pendingSince(
    new Date(Date.now() - EXTRACTION_GRACE_MS),
    100,
  );
  for (const version of pending) {
    await app.extractionQueue.enqueue({
      organizationId: version.organizationId,
      versionId: version.id,
    });
  }
  return { reminders: due.length, extractions: pending.length };
}

/** Runs the sweep now and then every `sweepIntervalMs`; returns a stop function. */
export function startSweeper(app: ContractsApp): () => void {
  let running: Promise<unknown> | undefined;
  const run = () => {
    if (running) return;
    running = sweepOnce(app)
      .catch((error: unknown) => app.logger.warn({ err: error }, "sweep failed"))
      .finally(() => {
        running = undefined;
      });
  };
  run();
  const timer = setInterval(run, app.settings.sweepIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
