import type { ReviewApp } from "../app.js";
import { contractError, PermanentJobError, RetryLaterError } from "./job.errors.js";

/** The contract's extracted text for a job: retried while it is extracting, permanent when it cannot be. */
export async function contractText(
  app: ReviewApp,
  organizationId: string,
  contractId: string,
): Promise<{ text: string; version: number }> {
  let answer;
  try {
    answer = await app.contracts.text(organizationId, contractId);
  } catch (error) {
    throw contractError(error);
  }
  if (answer.extraction === "failed") {
    throw new PermanentJobError("The text of the contract's document could not be extracted");
  }
  if (answer.extraction === "pending" || answer.text === null) {
    throw new RetryLaterError("The contract's text was still being extracted");
  }
  return { text: answer.text, version: answer.version };
}
