import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "@clment/http";
import type { QueueSettings } from "@clment/queue";
import { JobName, QueueName, reminderJobId, type ReminderJobData } from "./queues.js";

export interface SchedulableReminder {
  id: string;
  organizationId: string;
  fireAt: Date;
}

/**
 * Reminders as BullMQ delayed jobs. A job only wakes the worker up; whether and when the
 * reminder fires is decided by its row in Postgres, so a stale or duplicate job is harmless.
 */
export class ReminderQueue {
  private readonly queue: Queue<ReminderJobData>;

  constructor(
    redis: Redis,
    settings: QueueSettings,
    private readonly logger: Logger,
    /** The service's clock (tests move it); delays are computed against it. */
    private readonly clock: () => Date,
  ) {
    this.queue = new Queue<ReminderJobData>(QueueName.reminders, {
      connection: redis,
      prefix: settings.bullPrefix,
    });
    this.queue.on("error", (error) => logger.warn({ err: error }, "reminder queue error"));
  }

  /** Milliseconds from now (on the service clock) until `fireAt`, never negative. */
  delayUntil(fireAt: Date): number {
    return Math.max(0, fireAt.getTime() - this.clock().getTime());
  }

  async schedule(reminder: SchedulableReminder): Promise<void> {
    await this.queue.add(
      JobName.fireReminder,
      { organizationId: reminder.organizationId, reminderId: reminder.id },
      {
        jobId: reminderJobId(reminder.id, reminder.fireAt),
        delay: this.delayUntil(reminder.fireAt),
        attempts: 10,
        backoff: { type: "exponential", delay: 1_000 },
        removeOnComplete: true,
        // A reminder whose job failed for good is queued again by the sweep after an hour.
        removeOnFail: { age: 60 * 60 },
      },
    );
  }

  /** Removes a reminder's job; a job already running or gone is left alone. */
  async unschedule(reminder: SchedulableReminder): Promise<void> {
    try {
      await this.queue.remove(reminderJobId(reminder.id, reminder.fireAt));
    } catch (error) {
      this.logger.debug({ err: error, reminderId: reminder.id }, "reminder job not removed");
    }
  }

  /**
   * Schedules after a commit. If Redis is away the change still stands: the sweep queues the
   * job once Redis is back, so this logs instead of failing the request.
   */
  async scheduleSafely(reminders: SchedulableReminder[], previous: SchedulableReminder[] = []) {
    try {
      await Promise.all(previous.map((r) => this.unschedule(r)));
      await Promise.all(reminders.map((r) => this.schedule(r)));
    } catch (error) {
      this.logger.warn({ err: error }, "reminder jobs not scheduled; the sweep will queue them");
    }
  }

  async getJobIds(): Promise<string[]> {
    const jobs = await this.queue.getJobs(["delayed", "waiting", "active"]);
    return jobs.map((j) => j.id ?? "");
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
