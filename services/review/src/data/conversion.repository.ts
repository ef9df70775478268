import { sql, type Kysely, type Selectable } from "kysely";
import type { DB, JobStatus, ConversionsTable } from "./db.js";

import type { StoredDocument } from "./redline.repository.js";

export interface StoredConversion extends StoredDocument {
  mimeType: string;
}

export interface ConversionRecord {
  id: string;
  organizationId: string;
  contractId: string;
  format: string;
  status: JobStatus;
  sourceVersion: number | null;
  credits: number;
  reservationId: string | null;
  chargedAt: Date | null;
  releasedAt: Date | null;
  error: string | null;
  document: StoredConversion | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

const COLUMNS = [
  "id",
  "organization_id",
  "contract_id",
  "format",
  "status",
  "source_version",
  "credits",
  "reservation_id",
  "charged_at",
  "released_at",
  "error",
  "filename",
  "mime_type",
  "size",
  "sha256",
  "attempts",
  "created_at",
  "updated_at",
  "completed_at",
] as const;

function toRecord(row: Omit<Selectable<ConversionsTable>, "content">): ConversionRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    contractId: row.contract_id,
    format: row.format,
    status: row.status,
    sourceVersion: row.source_version,
    credits: row.credits,
    reservationId: row.reservation_id,
    chargedAt: row.charged_at,
    releasedAt: row.released_at,
    error: row.error,
    document:
      row.filename && row.mime_type && row.size !== null && row.sha256
        ? { filename: row.filename, mimeType: row.mime_type, size: row.size, sha256: row.sha256 }
        : null,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
  };
}

/** Conversions of one organization at a time: every query filters by it. */
export class ConversionRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(fields: {
    id: string;
    organizationId: string;
    contractId: string;
    format: string;
    credits: number;
    reservationId: string;
  }): Promise<ConversionRecord> {
    const row = await this.db
      .insertInto("conversions")
      .values({
        id: fields.id,
        organization_id: fields.organizationId,
        contract_id: fields.contractId,
        format: fields.format,
        credits: fields.credits,
        reservation_id: fields.reservationId,
        source_version: null,
        mime_type: null,
        charged_at: null,
        released_at: null,
        error: null,
        filename: null,
        size: null,
        sha256: null,
        content: null,
        completed_at: null,
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  async find(organizationId: string, id: string): Promise<ConversionRecord | null> {
    const row = await this.db
      .selectFrom("conversions")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async content(organizationId: string, id: string): Promise<Buffer | null> {
    const row = await this.db
      .selectFrom("conversions")
      .select("content")
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("status", "=", "completed")
      .executeTakeFirst();
    return row?.content ?? null;
  }

  async markRunning(organizationId: string, id: string): Promise<ConversionRecord | null> {
    const row = await this.db
      .updateTable("conversions")
      .set({ status: "running", attempts: sql<number>`attempts + 1`, updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("status", "in", ["queued", "running"])
      .returning(COLUMNS)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async complete(
    organizationId: string,
    id: string,
    result: { sourceVersion: number; document: StoredConversion; content: Buffer },
  ): Promise<ConversionRecord | null> {
    const row = await this.db
      .updateTable("conversions")
      .set({
        status: "completed",
        source_version: result.sourceVersion,
        filename: result.document.filename,
        mime_type: result.document.mimeType,
        size: result.document.size,
        sha256: result.document.sha256,
        content: result.content,
        completed_at: new Date(),
        updated_at: new Date(),
      })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("status", "in", ["queued", "running"])
      .returning(COLUMNS)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async fail(organizationId: string, id: string, error: string): Promise<ConversionRecord | null> {
    const row = await this.db
      .updateTable("conversions")
      .set({ status: "failed", error, completed_at: new Date(), updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("status", "in", ["queued", "running"])
      .returning(COLUMNS)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async markCharged(organizationId: string, id: string): Promise<void> {
    await this.db
      .updateTable("conversions")
      .set({ charged_at: new Date(), updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("charged_at", "is", null)
      .execute();
  }

  async markReleased(organizationId: string, id: string): Promise<void> {
    await this.db
      .updateTable("conversions")
      .set({ released_at: new Date(), updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("released_at", "is", null)
      .execute();
  }
}
