import { UnrecoverableError } from "bullmq";
import { AppError } from "@clment/http";
import { RetryableProviderError } from "../engine/review.types.js";

/** A failure no retry can help; its message is shown on the resource. */
export class PermanentJobError extends UnrecoverableError {
  constructor(message: string) {
    super(message);
    this.name = "PermanentJobError";
  }
}

/** A failure a later attempt may get past; its message is shown if attempts run out. */
export class RetryLaterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RetryLaterError";
  }
}

/** What the resource says about why its job failed: our own words, never an internal error. */
export function publicReason(error: unknown): string {
  if (error instanceof PermanentJobError || error instanceof RetryLaterError) return error.message;
  if (error instanceof RetryableProviderError) return `The review engine failed: ${error.message}`;
  if (error instanceof AppError && error.code === "SERVICE_UNAVAILABLE") {
    return "A service the job needs was unavailable";
  }
  if (error instanceof Error && /stalled/i.test(error.message)) {
    return "The job was interrupted too often";
  }
  return "The job failed";
}

/** Maps what reading a contract's text can throw to a job error. */
export function contractError(error: unknown): unknown {
  if (error instanceof AppError) {
    if (error.code === "NOT_FOUND") {
      return new PermanentJobError("The contract or its document no longer exists");
    }
    if (error.code === "CONFLICT") return new PermanentJobError(error.message);
  }
  return error;
}
