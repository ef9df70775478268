import type { AttemptResult } from "../clients/webhook.http.js";
import type { AttemptSettlement } from "../data/webhook-delivery.repository.js";

export function isSuccess(result: AttemptResult): boolean {
  return result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
}

/** 410 Gone: the receiver says the endpoint is no more; it is disabled at once. */
export function isGone(result: AttemptResult): boolean {
  return result.statusCode === 410;
}

/**
 * What follows an attempt, by the retry schedule: a 2xx is delivered; anything else (another
 * status, a redirect, a timeout, a refused or failed connection) is retried after the next
 * delay of the schedule, until the schedule ends. `retryIndex` counts the retries of the current
 * round so far.
 */
export function settle(
  result: AttemptResult,
  retryIndex: number,
  retryDelaysMs: readonly number[],
): AttemptSettlement {
  if (isSuccess(result)) return { status: "succeeded" };
  if (isGone(result)) return { status: "failed" };
  const delayMs = retryDelaysMs[retryIndex];
  if (delayMs === undefined) return { status: "failed" };
  return { status: "pending", delayMs, retryIndex: retryIndex + 1 };
}
