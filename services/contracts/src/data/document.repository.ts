import { sql, type Kysely } from "kysely";
import type { DB, ExtractionStatus } from "./db.js";
import { pageOf, type ListPage } from "./list.js";

export interface DocumentVersionRecord {
  id: string;
  organizationId: string;
  contractId: string;
  version: number;
  filename: string;
  mimeType: string;
  size: number;
  sha256: string;
  blobKey: string;
  extraction: ExtractionStatus;
  extractionError: string | null;
  createdAt: Date;
}

export interface NewDocumentVersion {
  id: string;
  contractId: string;
  filename: string;
  mimeType: string;
  size: number;
  sha256: string;
  blobKey: string;
}

const COLUMNS = [
  "id",
  "organization_id",
  "contract_id",
  "version",
  "filename",
  "mime_type",
  "size",
  "sha256",
  "blob_key",
  "extraction_status",
  "extraction_error",
  "created_at",
] as const;

type Row = {
  id: string;
  organization_id: string;
  contract_id: string;
  version: number;
  filename: string;
  mime_type: string;
  size: number;
  sha256: string;
  blob_key: string;
  extraction_status: ExtractionStatus;
  extraction_error: string | null;
  created_at: Date;
};

function toRecord(row: Row): DocumentVersionRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    contractId: row.contract_id,
    version: row.version,
    filename: row.filename,
    mimeType: row.mime_type,
    size: row.size,
    sha256: row.sha256,
    blobKey: row.blob_key,
    extraction: row.extraction_status,
    extractionError: row.extraction_error,
    createdAt: row.created_at,
  };
}

export class DocumentRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Adds the next version of a contract's document (call with the contract row locked). */
  async insertNext(
    organizationId: string,
    version: NewDocumentVersion,
  ): Promise<DocumentVersionRecord> {
    const row = await this.db
      .insertInto("document_versions")
      .values({
        id: version.id,
        organization_id: organizationId,
        contract_id: version.contractId,
        version: sql<number>`(
          select coalesce(max(version), 0) + 1 from document_versions
          where contract_id = ${version.contractId}
        )`,
        filename: version.filename,
        mime_type: version.mimeType,
        size: version.size,
        sha256: version.sha256,
        blob_key: version.blobKey,
        extraction_error: null,
        text: null,
        text_sha256: null,
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  async find(organizationId: string, id: string): Promise<DocumentVersionRecord | undefined> {
    const row = await this.db
      .selectFrom("document_versions")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async list(
    organizationId: string,
    contractId: string,
    sort: { descending: boolean },
    page: ListPage,
  ): Promise<{ items: DocumentVersionRecord[]; total: number }> {
    const base = this.db
      .selectFrom("document_versions")
      .where("organization_id", "=", organizationId)
      .where("contract_id", "=", contractId);
    const { rows, total } = await pageOf(
      base,
      base.select(COLUMNS).orderBy("version", sort.descending ? "desc" : "asc"),
      page,
    );
    return { items: rows.map(toRecord), total };
  }

  /** Every blob key of a contract's versions (to delete the files with the contract). */
  async blobKeys(organizationId: string, contractId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("document_versions")
      .select("blob_key")
      .where("organization_id", "=", organizationId)
      .where("contract_id", "=", contractId)
      .execute();
    return rows.map((r) => r.blob_key);
  }

  async text(organizationId: string, id: string): Promise<string | null> {
    const row = await this.db
      .selectFrom("document_versions")
      .select("text")
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row?.text ?? null;
  }

  /**
   * Records the outcome of an extraction if the version is still pending; returns whether this
   * call did it (a second worker or a retried job finds it done).
   */
  async finishExtraction(
    organizationId: string,
    id: string,
    outcome:
      | { status: "completed"; text: string; textSha256: string }
      | { status: "failed"; error: string },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable("document_versions")
      .set(
        outcome.status === "completed"
          ? {
              extraction_status: "completed",
              text: outcome.text,
              text_sha256: outcome.textSha256,
              extraction_error: null,
            }
          : { extraction_status: "failed", extraction_error: outcome.error },
      )
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("extraction_status", "=", "pending")
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Versions of every organization still waiting for extraction since before `olderThan`: the
   * sweep that re-queues jobs Redis lost. Not bound to an organization; it only feeds the queue.
   */
  async pendingSince(olderThan: Date, limit: number): Promise<DocumentVersionRecord[]> {
    const rows = await this.db
      .selectFrom("document_versions")
      .select(COLUMNS)
      .where("extraction_status", "=", "pending")
      .where("created_at", "<", olderThan)
      .orderBy("created_at")
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }
}
