import { createHash } from "node:crypto";
import type { ReviewApp } from "../app.js";
import { FindingRepository } from "../data/finding.repository.js";
import { RedlineRepository, type RedlineRecord } from "../data/redline.repository.js";
import { ReviewRepository } from "../data/review.repository.js";
import { buildRedlineDocx } from "../documents/redline.builder.js";
import { emit } from "../domain/events.js";
import { assertCreditsStillHeld, captureCredits, releaseCredits } from "../domain/metered-work.js";
import { contractText } from "./contract-text.js";
import { fileBase } from "./document-names.js";
import { PermanentJobError } from "./job.errors.js";
import type { WorkJobData } from "./work.queue.js";
import type { WorkHandler } from "./work.worker.js";

/** The redline job: the review's suggestions as tracked changes in a DOCX of the contract. */
export class RedlineJobs implements WorkHandler {
  constructor(
    private readonly app: ReviewApp,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async run({ organizationId, id }: WorkJobData): Promise<void> {
    const redlines = new RedlineRepository(this.app.db);
    const redline = await redlines.find(organizationId, id);
    if (!redline) return;
    if (redline.status === "failed") return this.fail({ organizationId, id }, redline.error ?? "");
    if (redline.status === "completed") return this.capture(redline);
    assertCreditsStillHeld(redline, this.clock());
    // Stays queued while the contract's text is still being extracted (the job waits, delayed).
    const { text, version } = await contractText(
      this.app,
      { job: "redline", ...redline },
      this.clock(),
    );
    if (!(await redlines.markRunning(organizationId, id))) return this.run({ organizationId, id });

    const review = await new ReviewRepository(this.app.db).find(organizationId, redline.reviewId);
    if (!review) throw new PermanentJobError("The review no longer exists");
    if (review.documentVersion !== null && version !== review.documentVersion) {
      throw new PermanentJobError(
        "The contract's document changed after the review; review the new version first",
      );
    }
    const contract = await this.app.contracts.contract(organizationId, redline.contractId);
    const findings = await new FindingRepository(this.app.db).all(organizationId, review.id);
    const title = fileBase(contract?.title);
    const { document, changes } = buildRedlineDocx({
      title: `${title} (redline)`,
      text,
      findings,
      date: this.clock(),
    });
    const completed = await this.app.db.transaction().execute(async (trx) => {
      const done = await new RedlineRepository(trx).complete(organizationId, id, {
        changes,
        content: document,
        document: {
          filename: `${title} (redline).docx`,
          size: document.length,
          sha256: createHash("sha256").update(document).digest("hex"),
        },
      });
      if (done) {
        await emit(trx, "redline.completed", organizationId, {
          redline: { id, reviewId: review.id, contractId: redline.contractId, changes },
        });
      }
      return done;
    });
    this.app.kickRelay();
    await this.capture(completed ?? (await redlines.find(organizationId, id))!);
  }

  async fail({ organizationId, id }: WorkJobData, reason: string): Promise<void> {
    const redlines = new RedlineRepository(this.app.db);
    const redline =
      (await redlines.fail(organizationId, id, reason)) ??
      (await redlines.find(organizationId, id));
    if (redline?.status !== "failed") return;
    await releaseCredits(this.app, redline, () => redlines.markReleased(organizationId, id));
  }

  private async capture(redline: RedlineRecord): Promise<void> {
    await captureCredits(this.app, redline, () =>
      new RedlineRepository(this.app.db).markCharged(redline.organizationId, redline.id),
    );
  }
}
