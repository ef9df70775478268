import type { ReviewApp } from "../app.js";
import { FindingRepository } from "../data/finding.repository.js";
import { ReviewRepository, type ReviewRecord } from "../data/review.repository.js";
import { PermanentProviderError, RetryableProviderError } from "../engine/review.types.js";
import { emit } from "../domain/events.js";
import { assertCreditsStillHeld, captureCredits, releaseCredits } from "../domain/metered-work.js";
import { findingSnapshot, reviewSnapshot, summarize } from "../domain/review.views.js";
import { contractText } from "./contract-text.js";
import { PermanentJobError } from "./job.errors.js";
import type { WorkHandler } from "./work.worker.js";
import type { WorkJobData } from "./work.queue.js";

/**
 * The review job: queued → running → completed, then credits captured; or failed (after the
 * last attempt, or at once when no retry can help), then credits released. Every step is safe
 * to repeat, so a retried, duplicated or taken-over job completes and charges once.
 */
export class ReviewJobs implements WorkHandler {
  constructor(private readonly app: ReviewApp) {}

  async run({ organizationId, id }: WorkJobData): Promise<void> {
    const reviews = new ReviewRepository(this.app.db);
    const review = await reviews.find(organizationId, id);
    if (!review) return;
    // Failed earlier: only giving its credits back may be left to do.
    if (review.status === "failed") return this.fail({ organizationId, id }, review.error ?? "");
    if (review.status === "completed") {
      // An earlier attempt finished the work; only the charge may be left to do.
      await this.capture(review);
      return;
    }
    assertCreditsStillHeld(review);
    // Stays queued while the contract's text is still being extracted (the job waits, delayed).
    const { text, version } = await contractText(this.app, { job: "review", ...review });
    const claimed = await reviews.markRunning(organizationId, id);
    if (!claimed) return this.run({ organizationId, id });

    let result;
    try {
      result = await this.app.provider.review({ text, rules: review.rules });
    } catch (error) {
      if (error instanceof RetryableProviderError) throw error;
      if (error instanceof PermanentProviderError) {
        throw new PermanentJobError(
          `The review engine could not review this contract: ${error.message}`,
        );
      }
      this.app.logger.error({ err: error, reviewId: id }, "review engine failed");
      throw new PermanentJobError("The review engine could not review this contract");
    }

    const completed = await this.app.db.transaction().execute(async (trx) => {
      const done = await new ReviewRepository(trx).complete(organizationId, id, {
        summary: summarize(result.findings),
        provider: result.provider,
        model: result.model,
        usage: result.usage,
        documentVersion: version,
      });
      // Another attempt completed it first: its findings and events stand.
      if (!done) return null;
      const findings = await new FindingRepository(trx).insertAll(
        organizationId,
        id,
        result.findings,
      );
      for (const finding of findings) {
        await emit(trx, "finding.created", organizationId, {
          finding: findingSnapshot(finding, review.contractId),
        });
      }
      await emit(trx, "review.completed", organizationId, { review: reviewSnapshot(done) });
      return done;
    });
    this.app.kickRelay();
    await this.capture(completed ?? (await reviews.find(organizationId, id))!);
  }

  async fail({ organizationId, id }: WorkJobData, reason: string): Promise<void> {
    const failed = await this.app.db.transaction().execute(async (trx) => {
      const record = await new ReviewRepository(trx).fail(organizationId, id, reason);
      if (record)
        await emit(trx, "review.failed", organizationId, { review: reviewSnapshot(record) });
      return record;
    });
    this.app.kickRelay();
    const review = failed ?? (await new ReviewRepository(this.app.db).find(organizationId, id));
    if (review?.status !== "failed") return;
    await releaseCredits(this.app, review, () =>
      new ReviewRepository(this.app.db).markReleased(organizationId, id),
    );
  }

  private async capture(review: ReviewRecord): Promise<void> {
    await captureCredits(this.app, review, () =>
      new ReviewRepository(this.app.db).markCharged(review.organizationId, review.id),
    );
  }
}
