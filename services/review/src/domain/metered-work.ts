import type { CreditOperation } from "@clment/credits-client";
import { AppError } from "@clment/http";
import type { ReviewApp } from "../app.js";
import type { JobStatus } from "../data/db.js";
import { PermanentJobError } from "../jobs/job.errors.js";
import type { JobName } from "../jobs/work.queue.js";
import { RESERVATION_HOLD_MS } from "./metering.js";

/**
 * The longest an attempt of an AI job may take (the provider's timeout and retries included):
 * work is started only while its credits stay held at least this long.
 */
export const WORK_ATTEMPT_MAX_MS = 10 * 60_000;

/**
 * Refuses to start work whose credits could be given back before it completes: the hold is
 * `RESERVATION_HOLD_MS` from the request, after which credits returns the credits, a capture is
 * refused, and the work would be free (and the balance could be spent twice). Such work fails,
 * saying why, and its credits are released; the client asks again.
 */
export function assertCreditsStillHeld(work: { createdAt: Date }, now = new Date()): void {
  if (now.getTime() - work.createdAt.getTime() > RESERVATION_HOLD_MS - WORK_ATTEMPT_MAX_MS) {
    throw new PermanentJobError(
      "The work waited too long to start and the credits held for it ran out; request it again",
    );
  }
}

/**
 * The start of every AI operation: reserve its credits (402 with nothing queued when short),
 * record it, then queue its job. A failure after the reservation gives the credits back, so a
 * request that did not queue work never costs anything.
 */
export async function queueMeteredWork<T>(
  app: ReviewApp,
  work: {
    organizationId: string;
    operation: CreditOperation & JobName;
    id: string;
    record(reservation: { reservationId: string; amount: number }): Promise<T>;
    /** Marks the record failed when its job could not be queued. */
    abandon(reason: string): Promise<void>;
  },
): Promise<T> {
  const reservation = await app.metering.reserve(work.organizationId, work.operation, work.id);
  const giveBack = () =>
    app.metering
      .release(work.organizationId, reservation.reservationId)
      .catch((error: unknown) =>
        app.logger.warn({ err: error, id: work.id }, "could not release credits; they expire"),
      );
  let record: T;
  try {
    record = await work.record(reservation);
  } catch (error) {
    await giveBack();
    throw error;
  }
  try {
    await app.queue.add(work.operation, { organizationId: work.organizationId, id: work.id });
  } catch (error) {
    app.logger.error({ err: error, id: work.id }, `could not queue the ${work.operation} job`);
    await work.abandon("The job could not be queued").catch(() => undefined);
    await giveBack();
    throw new AppError("SERVICE_UNAVAILABLE", "The work queue is unavailable; please retry");
  }
  return record;
}

/**
 * Captures a completed job's credits once; a job that failed (even while an attempt was still
 * working on it) is never charged. A reservation the credits service no longer holds (expired,
 * released) cannot be captured: that is logged, not retried. A capture that failed otherwise
 * (the credits service was unreachable) is retried by the sweeper while the hold lasts.
 */
export async function captureCredits(
  app: ReviewApp,
  work: {
    organizationId: string;
    id: string;
    status: JobStatus;
    reservationId: string | null;
    chargedAt: Date | null;
  },
  markCharged: () => Promise<void>,
): Promise<void> {
  if (work.status !== "completed" || !work.reservationId || work.chargedAt) return;
  try {
    await app.metering.capture(work.organizationId, work.reservationId);
  } catch (error) {
    if (error instanceof AppError && (error.code === "CONFLICT" || error.code === "NOT_FOUND")) {
      app.logger.error({ err: error, id: work.id }, "credits could not be captured");
      return;
    }
    throw error;
  }
  await markCharged();
}

/** Releases a failed job's credits once; a later attempt retries a release that failed. */
export async function releaseCredits(
  app: ReviewApp,
  work: {
    organizationId: string;
    id: string;
    reservationId: string | null;
    chargedAt: Date | null;
    releasedAt: Date | null;
  },
  markReleased: () => Promise<void>,
): Promise<void> {
  if (!work.reservationId || work.chargedAt || work.releasedAt) return;
  await app.metering.release(work.organizationId, work.reservationId);
  await markReleased();
}
