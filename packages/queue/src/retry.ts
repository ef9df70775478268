import type { JobsOptions } from "bullmq";

/**
 * How an event whose handling failed is tried again. Delivery is at-least-once and loses
 * nothing: an event is retried until its handler succeeds, at a pace that stays cheap however
 * long the failure lasts (a Postgres failover, an SMTP outage, a handler bug).
 */
export interface RetryPolicy {
  /** The wait before the first retry; it doubles with each failed attempt. */
  baseDelayMs: number;
  /** The longest wait between two attempts: an event that keeps failing is tried at this pace. */
  maxDelayMs: number;
  /**
   * How often the consumer sends failed jobs back to its queue: jobs that left the retry loop
   * (a worker died twice while handling them, or they were queued under an older policy).
   */
  redriveIntervalMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 500,
  maxDelayMs: 5 * 60_000,
  redriveIntervalMs: 60_000,
};

/** The backoff type of event jobs, computed by the consumer's worker (`eventRetryDelay`). */
export const EVENT_BACKOFF = "event";

/**
 * Options of every event job. The job id is the event id (a re-send keeps one copy). The
 * attempts are as good as unlimited: at the five-minute pace they last for years, and the
 * re-drive takes back any job that ends in the failed set anyway. Failed jobs are kept so the
 * re-drive (and whoever investigates) can find them.
 */
export const EVENT_JOB_OPTIONS = {
  attempts: 1_000_000,
  backoff: { type: EVENT_BACKOFF },
  removeOnComplete: { count: 1_000 },
  removeOnFail: false,
} satisfies JobsOptions;

/**
 * The wait before attempt `failures + 1`: exponential from the base, capped at the maximum, with
 * "equal jitter" (between half and all of that) so the consumers retrying after one outage do
 * not all come back at the same instant. Never more than `maxDelayMs`, never 0 (BullMQ would
 * retry at once, and a poison event would spin).
 */
export function eventRetryDelay(
  failures: number,
  policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(failures - 1, 0));
  return Math.max(1, Math.floor(ceiling / 2 + (random() * ceiling) / 2));
}
