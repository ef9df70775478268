import type { ConversionRecord } from "../data/conversion.repository.js";
import type { RedlineRecord } from "../data/redline.repository.js";
import { DOCX_MIME_TYPE } from "../documents/docx.writer.js";

function credits(record: { credits: number; chargedAt: Date | null; releasedAt: Date | null }) {
  return {
    amount: record.credits,
    charged: record.chargedAt !== null,
    released: record.releasedAt !== null,
  };
}

export function redlineView(record: RedlineRecord) {
  return {
    id: record.id,
    reviewId: record.reviewId,
    contractId: record.contractId,
    status: record.status,
    changes: record.changes,
    document:
      record.status === "completed" && record.document
        ? { ...record.document, mimeType: DOCX_MIME_TYPE }
        : null,
    error: record.status === "failed" ? record.error : null,
    credits: credits(record),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    completedAt: record.completedAt?.toISOString() ?? null,
  };
}

export function conversionView(record: ConversionRecord) {
  return {
    id: record.id,
    contractId: record.contractId,
    format: record.format,
    status: record.status,
    sourceVersion: record.sourceVersion,
    document: record.status === "completed" ? record.document : null,
    error: record.status === "failed" ? record.error : null,
    credits: credits(record),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    completedAt: record.completedAt?.toISOString() ?? null,
  };
}

export type RedlineView = ReturnType<typeof redlineView>;
export type ConversionView = ReturnType<typeof conversionView>;

/** A file to download: bytes with the name and type to send them under. */
export interface Download {
  filename: string;
  mimeType: string;
  sha256: string;
  content: Buffer;
}
