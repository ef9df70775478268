import type { Kysely, Selectable } from "kysely";
import type { DB, ConversionsTable } from "./db.js";
import {
  DOCUMENT_JOB_COLUMNS,
  DocumentJobRepository,
  meteredJobFields,
  type NewDocumentJob,
  type MeteredJobRecord,
  type StoredDocument,
} from "./metered-job.repository.js";

export interface StoredConversion extends StoredDocument {
  mimeType: string;
}

export interface ConversionRecord extends MeteredJobRecord {
  contractId: string;
  format: string;
  sourceVersion: number | null;
  document: StoredConversion | null;
}

const COLUMNS = [
  ...DOCUMENT_JOB_COLUMNS,
  "contract_id",
  "format",
  "source_version",
  "mime_type",
] as const;

type Row = Omit<Selectable<ConversionsTable>, "content">;

/** Conversions of one organization at a time: every query filters by it. */
export class ConversionRepository extends DocumentJobRepository<Row, ConversionRecord> {
  constructor(db: Kysely<DB>) {
    super(db, "conversions", COLUMNS);
  }

  protected toRecord(row: Row): ConversionRecord {
    return {
      ...meteredJobFields(row),
      contractId: row.contract_id,
      format: row.format,
      sourceVersion: row.source_version,
      document:
        row.filename && row.mime_type && row.size !== null && row.sha256
          ? { filename: row.filename, mimeType: row.mime_type, size: row.size, sha256: row.sha256 }
          : null,
    };
  }

  async insert(fields: NewDocumentJob & { format: string }): Promise<ConversionRecord> {
    return this.insertJob(fields, { format: fields.format });
  }

  async complete(
    organizationId: string,
    id: string,
    result: { sourceVersion: number; document: StoredConversion; content: Buffer },
  ): Promise<ConversionRecord | null> {
    return this.completeWithDocument(organizationId, id, result, {
      source_version: result.sourceVersion,
      mime_type: result.document.mimeType,
    });
  }
}
