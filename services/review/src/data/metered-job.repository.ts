import {
  sql,
  type AnyColumn,
  type Insertable,
  type Kysely,
  type Selectable,
  type UpdateObject,
} from "kysely";
import type { ConversionsTable, DB, JobStatus, MeteredJobColumns, RedlinesTable } from "./db.js";

/** The tables of the three kinds of metered job. */
export type MeteredJobTable = "reviews" | "redlines" | "conversions";

/** The statuses of a job that may still run: claimed, finished and failed only from these. */
export const UNFINISHED: JobStatus[] = ["queued", "running"];

/** The fields every metered job record has, read from the columns every job table has. */
export interface MeteredJobRecord {
  id: string;
  organizationId: string;
  status: JobStatus;
  credits: number;
  reservationId: string | null;
  chargedAt: Date | null;
  releasedAt: Date | null;
  error: string | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

/** The columns `meteredJobFields` reads. */
export const METERED_JOB_COLUMNS = [
  "id",
  "organization_id",
  "status",
  "credits",
  "reservation_id",
  "charged_at",
  "released_at",
  "error",
  "attempts",
  "created_at",
  "updated_at",
  "completed_at",
] as const;

/** The columns of a job with a stored document, and its metadata (never its content). */
export const DOCUMENT_JOB_COLUMNS = [...METERED_JOB_COLUMNS, "filename", "size", "sha256"] as const;

export function meteredJobFields(row: Selectable<MeteredJobColumns>): MeteredJobRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    status: row.status,
    credits: row.credits,
    reservationId: row.reservation_id,
    chargedAt: row.charged_at,
    releasedAt: row.released_at,
    error: row.error,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
  };
}

/**
 * The life of a metered job (review, redline, conversion), one organization at a time: an
 * attempt claims it while unfinished, it completes or fails once, its credits are charged or
 * released once. Each repository names its table, the columns a record is read from and how
 * a row becomes its record, and adds what only its kind of job has.
 */
export abstract class MeteredJobRepository<Row, JobRecord extends MeteredJobRecord> {
  protected constructor(
    protected readonly db: Kysely<DB>,
    private readonly table: MeteredJobTable,
    /** The columns a record is read from; all of them when absent. */
    private readonly columns?: readonly AnyColumn<DB, MeteredJobTable>[],
  ) {}

  /** `Row` is what `columns` (or all columns) of `table` read: the shared queries return it. */
  protected abstract toRecord(row: Row): JobRecord;

  async find(organizationId: string, id: string): Promise<JobRecord | null> {
    const query = this.db
      .selectFrom(this.table)
      .where("organization_id", "=", organizationId)
      .where("id", "=", id);
    const row = await (
      this.columns ? query.select(this.columns) : query.selectAll()
    ).executeTakeFirst();
    return row ? this.toRecord(row as Row) : null;
  }

  /** Claims the job for an attempt; null when it is already finished. */
  async markRunning(organizationId: string, id: string): Promise<JobRecord | null> {
    return this.updateUnfinished(organizationId, id, {
      status: "running",
      attempts: sql<number>`attempts + 1`,
      updated_at: new Date(),
    });
  }

  /** Fails an unfinished job once; null when it had already finished. */
  async fail(organizationId: string, id: string, error: string): Promise<JobRecord | null> {
    return this.updateUnfinished(organizationId, id, {
      status: "failed",
      error,
      completed_at: new Date(),
      updated_at: new Date(),
    });
  }

  async markCharged(organizationId: string, id: string): Promise<void> {
    await this.db
      .updateTable(this.table)
      .set({ charged_at: new Date(), updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("charged_at", "is", null)
      .execute();
  }

  async markReleased(organizationId: string, id: string): Promise<void> {
    await this.db
      .updateTable(this.table)
      .set({ released_at: new Date(), updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("released_at", "is", null)
      .execute();
  }

  /** Completes an unfinished job once with its results; null when it had already finished. */
  protected completeWith(
    organizationId: string,
    id: string,
    values: UpdateObject<DB, MeteredJobTable>,
  ): Promise<JobRecord | null> {
    return this.updateUnfinished(organizationId, id, {
      ...values,
      status: "completed",
      completed_at: new Date(),
      updated_at: new Date(),
    });
  }

  /** Updates the job only while it is unfinished; null when it is not (or not there). */
  protected async updateUnfinished(
    organizationId: string,
    id: string,
    values: UpdateObject<DB, MeteredJobTable>,
  ): Promise<JobRecord | null> {
    const query = this.db
      .updateTable(this.table)
      .set(values)
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("status", "in", UNFINISHED);
    const row = await (
      this.columns ? query.returning(this.columns) : query.returningAll()
    ).executeTakeFirst();
    return row ? this.toRecord(row as Row) : null;
  }
}

/** A document a job produced, as stored beside its job. */
export interface StoredDocument {
  filename: string;
  size: number;
  sha256: string;
}

/** What every new document job is inserted with (its kind adds its own columns). */
export interface NewDocumentJob {
  id: string;
  organizationId: string;
  contractId: string;
  credits: number;
  reservationId: string;
}

/** A metered job whose result is a stored document (redline, conversion). */
export abstract class DocumentJobRepository<
  Row,
  JobRecord extends MeteredJobRecord,
> extends MeteredJobRepository<Row, JobRecord> {
  protected constructor(
    db: Kysely<DB>,
    private readonly documentTable: "redlines" | "conversions",
    private readonly documentColumns: readonly AnyColumn<DB, "redlines" | "conversions">[],
  ) {
    super(db, documentTable, documentColumns);
  }

  /** Inserts a new job with the columns of its kind; returns its record. */
  protected async insertJob(
    job: NewDocumentJob,
    values: Partial<Insertable<RedlinesTable>> | Partial<Insertable<ConversionsTable>>,
  ): Promise<JobRecord> {
    const row = await this.db
      .insertInto(this.documentTable)
      .values({
        ...values,
        id: job.id,
        organization_id: job.organizationId,
        contract_id: job.contractId,
        credits: job.credits,
        reservation_id: job.reservationId,
      })
      .returning(this.documentColumns)
      .executeTakeFirstOrThrow();
    return this.toRecord(row as Row);
  }

  /** Completes an unfinished job once with its document; null when it had already finished. */
  protected completeWithDocument(
    organizationId: string,
    id: string,
    result: { document: StoredDocument; content: Buffer },
    values: UpdateObject<DB, MeteredJobTable>,
  ): Promise<JobRecord | null> {
    return this.completeWith(organizationId, id, {
      ...values,
      filename: result.document.filename,
      size: result.document.size,
      sha256: result.document.sha256,
      content: result.content,
    });
  }

  /** The document of a completed job; null while it is not completed. */
  async content(organizationId: string, id: string): Promise<Buffer | null> {
    const row = await this.db
      .selectFrom(this.documentTable)
      .select("content")
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("status", "=", "completed")
      .executeTakeFirst();
    return row?.content ?? null;
  }
}
