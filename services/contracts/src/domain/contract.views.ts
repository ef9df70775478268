import type { ContractSnapshot, DocumentSnapshot } from "@clment/queue";
import type { ContractRecord } from "../data/contract.repository.js";
import type { DocumentVersionRecord } from "../data/document.repository.js";
import type { KeyDateRecord } from "../data/key-date.repository.js";
import type { ReminderRecord } from "../data/reminder.repository.js";

/** The public shapes of the API (../shared/API.md), built from repository records. */

export function documentView(
  version: Pick<
    DocumentVersionRecord,
    "filename" | "mimeType" | "size" | "sha256" | "version" | "extraction"
  > & { versionId: string; uploadedAt: Date },
): DocumentSnapshot {
  return {
    versionId: version.versionId,
    filename: version.filename,
    mimeType: version.mimeType,
    size: version.size,
    sha256: version.sha256,
    version: version.version,
    extraction: version.extraction,
    uploadedAt: version.uploadedAt.toISOString(),
  };
}

export function contractView(record: ContractRecord): ContractSnapshot {
  return {
    id: record.id,
    title: record.title,
    status: record.status,
    counterparty: record.counterparty,
    value:
      record.valueAmount !== null && record.valueCurrency !== null
        ? { amount: Number(record.valueAmount), currency: record.valueCurrency }
        : null,
    effectiveDate: record.effectiveDate,
    endDate: record.endDate,
    tags: record.tags,
    metadata: record.metadata,
    document: record.document ? documentView(record.document) : null,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

export function versionView(version: DocumentVersionRecord) {
  return {
    id: version.id,
    contractId: version.contractId,
    version: version.version,
    filename: version.filename,
    mimeType: version.mimeType,
    size: version.size,
    sha256: version.sha256,
    extraction: version.extraction,
    createdAt: version.createdAt.toISOString(),
  };
}

export function keyDateView(keyDate: KeyDateRecord) {
  return {
    id: keyDate.id,
    contractId: keyDate.contractId,
    kind: keyDate.kind,
    date: keyDate.date,
    title: keyDate.title,
    description: keyDate.description,
    source: keyDate.source,
    status: keyDate.status,
    createdAt: keyDate.createdAt.toISOString(),
    updatedAt: keyDate.updatedAt.toISOString(),
  };
}

export function reminderView(reminder: ReminderRecord) {
  return {
    id: reminder.id,
    keyDateId: reminder.keyDateId,
    contractId: reminder.contractId,
    daysBefore: reminder.daysBefore,
    channels: reminder.channels,
    recipients: reminder.recipients,
    fireAt: reminder.fireAt.toISOString(),
    status: reminder.status,
    sentAt: reminder.sentAt?.toISOString() ?? null,
    cancelledAt: reminder.cancelledAt?.toISOString() ?? null,
    createdAt: reminder.createdAt.toISOString(),
    updatedAt: reminder.updatedAt.toISOString(),
  };
}
