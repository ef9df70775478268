import { DelayedError } from "bullmq";
import type { ReviewApp } from "../app.js";
import { contractError, PermanentJobError, RetryLaterError } from "./job.errors.js";
import type { JobName } from "./work.queue.js";

/**
 * The longest work waits, from its request, for its contract's text: large documents are
 * extracted by the contracts service's queue one at a time. Well within the credits hold
 * (`assertCreditsStillHeld`), which every run of the job checks too.
 */
export const EXTRACTION_WAIT_MS = 30 * 60_000;

/** A job waiting for the text looks again after half the time waited so far, within these. */
const LOOK_AGAIN_MIN_MS = 1_000;
const LOOK_AGAIN_MAX_MS = 30_000;

/** The work a job does on a contract's text: which job, for which resource, requested when. */
export interface TextWork {
  job: JobName;
  organizationId: string;
  id: string;
  contractId: string;
  createdAt: Date;
}

/**
 * The contract's extracted text for a job. While it is still being extracted the job is put back
 * in the queue, delayed, without using up an attempt, until `EXTRACTION_WAIT_MS` after the
 * request; text that cannot be extracted is a permanent failure.
 */
export async function contractText(
  app: ReviewApp,
  work: TextWork,
  now = new Date(),
): Promise<{ text: string; version: number }> {
  let answer;
  try {
    answer = await app.contracts.text(work.organizationId, work.contractId);
  } catch (error) {
    throw contractError(error);
  }
  if (answer.extraction === "failed") {
    throw new PermanentJobError("The text of the contract's document could not be extracted");
  }
  if (answer.extraction === "pending" || answer.text === null) {
    return waitForExtraction(app, work, now);
  }
  return { text: answer.text, version: answer.version };
}

/**
 * Delays the job that is running this work and throws BullMQ's `DelayedError`, which tells the
 * worker the job is neither failed nor completed (on any attempt: the worker does not count it).
 * Outside a running job (a direct call) the wait uses up the attempt instead.
 */
async function waitForExtraction(app: ReviewApp, work: TextWork, now: Date): Promise<never> {
  const waited = now.getTime() - work.createdAt.getTime();
  if (waited >= EXTRACTION_WAIT_MS) {
    throw new PermanentJobError(
      `The contract's text was still being extracted ${EXTRACTION_WAIT_MS / 60_000} minutes after the request; request it again once the contract's text is ready`,
    );
  }
  const job = await app.queue.job(work.job, work.id);
  if (!job || !(await job.isActive())) {
    throw new RetryLaterError("The contract's text was still being extracted");
  }
  const delay = Math.min(LOOK_AGAIN_MAX_MS, Math.max(LOOK_AGAIN_MIN_MS, waited / 2));
  await job.moveToDelayed(Date.now() + delay);
  throw new DelayedError("The contract's text is still being extracted");
}
