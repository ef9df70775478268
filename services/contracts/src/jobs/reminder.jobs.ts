import { DelayedError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "@clment/http";
import type { QueueSettings } from "@clment/queue";
import type { ReminderService } from "../domain/reminder.service.js";
import type { ReminderQueue } from "./reminder.queue.js";
import { QueueName, type ReminderJobData } from "./queues.js";

/** The worker that fires reminders when their delayed jobs come due. */
export function startReminderWorker(options: {
  connection: Redis;
  settings: QueueSettings;
  logger: Logger;
  reminders: ReminderService;
  queue: ReminderQueue;
}): Worker<ReminderJobData> {
  const { reminders, logger, queue } = options;
  const worker = new Worker<ReminderJobData>(
    QueueName.reminders,
    async (job: Job<ReminderJobData>, token?: string) => {
      const result = await reminders.fire(job.data.organizationId, job.data.reminderId);
      if (result.outcome === "not_due") {
        // Woken too early (its date moved later, or clocks differ): sleep again until it is due.
        await job.moveToDelayed(Date.now() + queue.delayUntil(result.fireAt), token);
        throw new DelayedError();
      }
      return result.outcome;
    },
    { connection: options.connection, prefix: options.settings.bullPrefix, concurrency: 4 },
  );
  worker.on("error", (error) => logger.warn({ err: error }, "reminder worker error"));
  worker.on("failed", (job, error) =>
    logger.error({ err: error, reminderId: job?.data.reminderId }, "reminder job failed"),
  );
  return worker;
}
