import { sql, type Kysely, type Selectable } from "kysely";
import type { DB, JobStatus, RedlinesTable } from "./db.js";

export interface StoredDocument {
  filename: string;
  size: number;
  sha256: string;
}

export interface RedlineRecord {
  id: string;
  organizationId: string;
  reviewId: string;
  contractId: string;
  status: JobStatus;
  changes: number | null;
  credits: number;
  reservationId: string | null;
  chargedAt: Date | null;
  releasedAt: Date | null;
  error: string | null;
  document: StoredDocument | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

const COLUMNS = [
  "id",
  "organization_id",
  "review_id",
  "contract_id",
  "status",
  "changes",
  "credits",
  "reservation_id",
  "charged_at",
  "released_at",
  "error",
  "filename",
  "size",
  "sha256",
  "attempts",
  "created_at",
  "updated_at",
  "completed_at",
] as const;

function toRecord(row: Omit<Selectable<RedlinesTable>, "content">): RedlineRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    reviewId: row.review_id,
    contractId: row.contract_id,
    status: row.status,
    changes: row.changes,
    credits: row.credits,
    reservationId: row.reservation_id,
    chargedAt: row.charged_at,
    releasedAt: row.released_at,
    error: row.error,
    document:
      row.filename && row.size !== null && row.sha256
        ? { filename: row.filename, size: row.size, sha256: row.sha256 }
        : null,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
  };
}

/** Redlines of one organization at a time: every query filters by it. */
export class RedlineRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(fields: {
    id: string;
    organizationId: string;
    reviewId: string;
    contractId: string;
    credits: number;
    reservationId: string;
  }): Promise<RedlineRecord> {
    const row = await this.db
      .insertInto("redlines")
      .values({
        id: fields.id,
        organization_id: fields.organizationId,
        review_id: fields.reviewId,
        contract_id: fields.contractId,
        credits: fields.credits,
        reservation_id: fields.reservationId,
        changes: null,
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

  async find(organizationId: string, id: string): Promise<RedlineRecord | null> {
    const row = await this.db
      .selectFrom("redlines")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async content(organizationId: string, id: string): Promise<Buffer | null> {
    const row = await this.db
      .selectFrom("redlines")
      .select("content")
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("status", "=", "completed")
      .executeTakeFirst();
    return row?.content ?? null;
  }

  async markRunning(organizationId: string, id: string): Promise<RedlineRecord | null> {
    const row = await this.db
      .updateTable("redlines")
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
    result: { changes: number; document: StoredDocument; content: Buffer },
  ): Promise<RedlineRecord | null> {
    const row = await this.db
      .updateTable("redlines")
      .set({
        status: "completed",
        changes: result.changes,
        filename: result.document.filename,
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

  async fail(organizationId: string, id: string, error: string): Promise<RedlineRecord | null> {
    const row = await this.db
      .updateTable("redlines")
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
      .updateTable("redlines")
      .set({ charged_at: new Date(), updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("charged_at", "is", null)
      .execute();
  }

  async markReleased(organizationId: string, id: string): Promise<void> {
    await this.db
      .updateTable("redlines")
      .set({ released_at: new Date(), updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("released_at", "is", null)
      .execute();
  }
}
