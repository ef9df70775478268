import type { Kysely, Selectable } from "kysely";
import type { DB, RedlinesTable } from "./db.js";
import {
  DOCUMENT_JOB_COLUMNS,
  DocumentJobRepository,
  meteredJobFields,
  type NewDocumentJob,
  type MeteredJobRecord,
  type StoredDocument,
} from "./metered-job.repository.js";

export interface RedlineRecord extends MeteredJobRecord {
  reviewId: string;
  contractId: string;
  changes: number | null;
  document: StoredDocument | null;
}

const COLUMNS = [...DOCUMENT_JOB_COLUMNS, "review_id", "contract_id", "changes"] as const;

type Row = Omit<Selectable<RedlinesTable>, "content">;

/** Redlines of one organization at a time: every query filters by it. */
export class RedlineRepository extends DocumentJobRepository<Row, RedlineRecord> {
  constructor(db: Kysely<DB>) {
    super(db, "redlines", COLUMNS);
  }

  protected toRecord(row: Row): RedlineRecord {
    return {
      ...meteredJobFields(row),
      reviewId: row.review_id,
      contractId: row.contract_id,
      changes: row.changes,
      document:
        row.filename && row.size !== null && row.sha256
          ? { filename: row.filename, size: row.size, sha256: row.sha256 }
          : null,
    };
  }

  async insert(fields: NewDocumentJob & { reviewId: string }): Promise<RedlineRecord> {
    return this.insertJob(fields, { review_id: fields.reviewId });
  }

  async complete(
    organizationId: string,
    id: string,
    result: { changes: number; document: StoredDocument; content: Buffer },
  ): Promise<RedlineRecord | null> {
    return this.completeWithDocument(organizationId, id, result, { changes: result.changes });
  }
}
