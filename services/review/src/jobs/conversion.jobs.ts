import { createHash } from "node:crypto";
import type { ReviewApp } from "../app.js";
import { ConversionRepository, type ConversionRecord } from "../data/conversion.repository.js";
import { MIME_TYPES, render, type ConversionFormat } from "../documents/conversion.renderers.js";
import { emit } from "../domain/events.js";
import { assertCreditsStillHeld, captureCredits, releaseCredits } from "../domain/metered-work.js";
import { contractText } from "./contract-text.js";
import { fileBase } from "./document-names.js";
import type { WorkJobData } from "./work.queue.js";
import type { WorkHandler } from "./work.worker.js";

/** The conversion job: the contract's text as a PDF, DOCX or text file. */
export class ConversionJobs implements WorkHandler {
  constructor(
    private readonly app: ReviewApp,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async run({ organizationId, id }: WorkJobData): Promise<void> {
    const conversions = new ConversionRepository(this.app.db);
    const conversion = await conversions.find(organizationId, id);
    if (!conversion) return;
    if (conversion.status === "failed") {
      return this.fail({ organizationId, id }, conversion.error ?? "");
    }
    if (conversion.status === "completed") return this.capture(conversion);
    assertCreditsStillHeld(conversion, this.clock());
    // Stays queued while the contract's text is still being extracted (the job waits, delayed).
    const { text, version } = await contractText(
      this.app,
      { job: "conversion", ...conversion },
      this.clock(),
    );
    if (!(await conversions.markRunning(organizationId, id)))
      return this.run({ organizationId, id });

    const contract = await this.app.contracts.contract(organizationId, conversion.contractId);
    const format = conversion.format as ConversionFormat;
    const title = fileBase(contract?.title);
    const content = await render(format, title, text, this.clock());
    const completed = await this.app.db.transaction().execute(async (trx) => {
      const done = await new ConversionRepository(trx).complete(organizationId, id, {
        sourceVersion: version,
        content,
        document: {
          filename: `${title}.${format}`,
          mimeType: MIME_TYPES[format],
          size: content.length,
          sha256: createHash("sha256").update(content).digest("hex"),
        },
      });
      if (done) {
        await emit(trx, "conversion.completed", organizationId, {
          conversion: { id, contractId: conversion.contractId, format, size: content.length },
        });
      }
      return done;
    });
    this.app.kickRelay();
    await this.capture(completed ?? (await conversions.find(organizationId, id))!);
  }

  async fail({ organizationId, id }: WorkJobData, reason: string): Promise<void> {
    const conversions = new ConversionRepository(this.app.db);
    const conversion =
      (await conversions.fail(organizationId, id, reason)) ??
      (await conversions.find(organizationId, id));
    if (conversion?.status !== "failed") return;
    await releaseCredits(this.app, conversion, () => conversions.markReleased(organizationId, id));
  }

  private async capture(conversion: ConversionRecord): Promise<void> {
    await captureCredits(this.app, conversion, () =>
      new ConversionRepository(this.app.db).markCharged(conversion.organizationId, conversion.id),
    );
  }
}
