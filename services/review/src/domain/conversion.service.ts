import { randomUUID } from "node:crypto";
import type { Identity } from "@clment/auth";
import { AppError } from "@clment/http";
import type { ReviewApp } from "../app.js";
import { ConversionRepository, type ConversionRecord } from "../data/conversion.repository.js";
import type { ConversionFormat } from "../documents/conversion.renderers.js";
import { conversionView, type ConversionView, type Download } from "./document.views.js";
import { resourceId } from "./ids.js";
import { queueMeteredWork } from "./metered-work.js";
import { reviewableContract } from "./review.service.js";

/** Conversions: a contract's document as PDF, DOCX or plain text. */
export class ConversionService {
  constructor(private readonly app: ReviewApp) {}

  async request(
    identity: Identity,
    contractId: string,
    input: { format: ConversionFormat },
  ): Promise<ConversionView> {
    const contract = await reviewableContract(this.app, identity, contractId);
    const id = randomUUID();
    const repository = new ConversionRepository(this.app.db);
    const record = await queueMeteredWork(this.app, {
      organizationId: identity.organizationId,
      operation: "conversion",
      id,
      record: ({ reservationId, amount }) =>
        repository.insert({
          id,
          organizationId: identity.organizationId,
          contractId: contract.id,
          format: input.format,
          credits: amount,
          reservationId,
        }),
      abandon: async (reason) => {
        await repository.fail(identity.organizationId, id, reason);
      },
    });
    return conversionView(record);
  }

  async get(identity: Identity, id: string): Promise<ConversionView> {
    return conversionView(await this.find(identity, id));
  }

  async download(identity: Identity, id: string): Promise<Download> {
    const conversion = await this.find(identity, id);
    const content =
      conversion.status === "completed"
        ? await new ConversionRepository(this.app.db).content(
            identity.organizationId,
            conversion.id,
          )
        : null;
    if (!content || !conversion.document) {
      throw new AppError(
        "CONFLICT",
        `The conversion is ${conversion.status}; its document is not ready`,
      );
    }
    return { ...conversion.document, content };
  }

  private async find(identity: Identity, id: string): Promise<ConversionRecord> {
    const conversion = await new ConversionRepository(this.app.db).find(
      identity.organizationId,
      resourceId(id, "Conversion not found"),
    );
    if (!conversion) throw new AppError("NOT_FOUND", "Conversion not found");
    return conversion;
  }
}
