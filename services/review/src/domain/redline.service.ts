import { randomUUID } from "node:crypto";
import type { Identity } from "@clment/auth";
import { AppError } from "@clment/http";
import type { ReviewApp } from "../app.js";
import { RedlineRepository, type RedlineRecord } from "../data/redline.repository.js";
import { DOCX_MIME_TYPE } from "../documents/docx.writer.js";
import { redlineView, type Download, type RedlineView } from "./document.views.js";
import { resourceId } from "./ids.js";
import { queueMeteredWork } from "./metered-work.js";
import type { ReviewService } from "./review.service.js";

/** Redlines: a completed review's suggestions as Word tracked changes. */
export class RedlineService {
  constructor(
    private readonly app: ReviewApp,
    private readonly reviews: ReviewService,
  ) {}

  async request(identity: Identity, reviewId: string): Promise<RedlineView> {
    const review = await this.reviews.find(identity, reviewId);
    if (review.status !== "completed") {
      throw new AppError(
        "CONFLICT",
        `The review is ${review.status}; a redline needs a completed review`,
      );
    }
    const id = randomUUID();
    const repository = new RedlineRepository(this.app.db);
    const record = await queueMeteredWork(this.app, {
      organizationId: identity.organizationId,
      operation: "redline",
      id,
      record: ({ reservationId, amount }) =>
        repository.insert({
          id,
          organizationId: identity.organizationId,
          reviewId: review.id,
          contractId: review.contractId,
          credits: amount,
          reservationId,
        }),
      abandon: async (reason) => {
        await repository.fail(identity.organizationId, id, reason);
      },
    });
    return redlineView(record);
  }

  async get(identity: Identity, id: string): Promise<RedlineView> {
    return redlineView(await this.find(identity, id));
  }

  async download(identity: Identity, id: string): Promise<Download> {
    const redline = await this.find(identity, id);
    const content =
      redline.status === "completed"
        ? await new RedlineRepository(this.app.db).content(identity.organizationId, redline.id)
        : null;
    if (!content || !redline.document) {
      throw new AppError("CONFLICT", `The redline is ${redline.status}; its document is not ready`);
    }
    return { ...redline.document, mimeType: DOCX_MIME_TYPE, content };
  }

  private async find(identity: Identity, id: string): Promise<RedlineRecord> {
    const redline = await new RedlineRepository(this.app.db).find(
      identity.organizationId,
      resourceId(id, "Redline not found"),
    );
    if (!redline) throw new AppError("NOT_FOUND", "Redline not found");
    return redline;
  }
}
