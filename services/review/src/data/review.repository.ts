import { sql, type Kysely, type Selectable } from "kysely";
import type { PlaybookRule } from "../engine/playbook.rules.js";
import type { TokenUsage } from "../engine/review.types.js";
import type { DB, JobStatus, ReviewsTable } from "./db.js";
import type { ListPage, SortOrder } from "./list.js";

export interface ReviewSummary {
  total: number;
  byStatus: Record<"compliant" | "deviation" | "missing", number>;
  bySeverity: Record<
    "high" | "medium" | "low",
    Record<"compliant" | "deviation" | "missing", number>
  >;
}

export interface ReviewRecord {
  id: string;
  organizationId: string;
  contractId: string;
  playbookId: string;
  playbookName: string;
  rules: PlaybookRule[];
  status: JobStatus;
  provider: string;
  model: string | null;
  documentVersion: number | null;
  summary: ReviewSummary | null;
  error: string | null;
  credits: number;
  reservationId: string | null;
  chargedAt: Date | null;
  releasedAt: Date | null;
  usage: TokenUsage | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

export const REVIEW_SORT_FIELDS = ["createdAt", "updatedAt", "status"] as const;
export type ReviewSortField = (typeof REVIEW_SORT_FIELDS)[number];

const SORT_COLUMNS = {
  createdAt: "created_at",
  updatedAt: "updated_at",
  status: "status",
} as const satisfies Record<ReviewSortField, string>;

type Row = Selectable<ReviewsTable>;

function toRecord(row: Row): ReviewRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    contractId: row.contract_id,
    playbookId: row.playbook_id,
    playbookName: row.playbook_name,
    rules: row.rules as PlaybookRule[],
    status: row.status,
    provider: row.provider,
    model: row.model,
    documentVersion: row.document_version,
    summary: (row.summary as ReviewSummary | null) ?? null,
    error: row.error,
    credits: row.credits,
    reservationId: row.reservation_id,
    chargedAt: row.charged_at,
    releasedAt: row.released_at,
    usage:
      row.total_tokens === null
        ? null
        : {
            promptTokens: row.prompt_tokens ?? 0,
            completionTokens: row.completion_tokens ?? 0,
            totalTokens: row.total_tokens,
          },
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
  };
}

export interface ReviewFilters {
  contractId?: string;
  status?: JobStatus[];
}

/** Reviews of one organization at a time: every query filters by it. */
export class ReviewRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(fields: {
    id: string;
    organizationId: string;
    contractId: string;
    playbookId: string;
    playbookName: string;
    rules: PlaybookRule[];
    provider: string;
    documentVersion: number | null;
    credits: number;
    reservationId: string;
    createdBy: unknown;
  }): Promise<ReviewRecord> {
    const row = await this.db
      .insertInto("reviews")
      .values({
        id: fields.id,
        organization_id: fields.organizationId,
        contract_id: fields.contractId,
        playbook_id: fields.playbookId,
        playbook_name: fields.playbookName,
        rules: JSON.stringify(fields.rules),
        provider: fields.provider,
        model: null,
        document_version: fields.documentVersion,
        credits: fields.credits,
        reservation_id: fields.reservationId,
        charged_at: null,
        released_at: null,
        error: null,
        prompt_tokens: null,
        completion_tokens: null,
        total_tokens: null,
        created_by: JSON.stringify(fields.createdBy),
        started_at: null,
        completed_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  async find(organizationId: string, id: string): Promise<ReviewRecord | null> {
    const row = await this.db
      .selectFrom("reviews")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async list(
    organizationId: string,
    filters: ReviewFilters,
    sort: SortOrder<ReviewSortField>,
    page: ListPage,
  ): Promise<{ items: ReviewRecord[]; total: number }> {
    let query = this.db.selectFrom("reviews").where("organization_id", "=", organizationId);
    if (filters.contractId) query = query.where("contract_id", "=", filters.contractId);
    if (filters.status) query = query.where("status", "in", filters.status);
    const direction = sort.descending ? "desc" : "asc";
    const [rows, count] = await Promise.all([
      query
        .selectAll()
        .orderBy(SORT_COLUMNS[sort.field], direction)
        .orderBy("id", direction)
        .offset(page.skip)
        .limit(page.take)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as("total")).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toRecord), total: Number(count.total) };
  }

  /** Claims the review for an attempt; null when it is already finished. */
  async markRunning(organizationId: string, id: string): Promise<ReviewRecord | null> {
    const row = await this.db
      .updateTable("reviews")
      .set({
        status: "running",
        attempts: sql<number>`attempts + 1`,
        started_at: sql<Date>`coalesce(started_at, now())`,
        updated_at: new Date(),
      })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("status", "in", ["queued", "running"])
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /** Completes a running review once; null when another attempt got there first. */
  async complete(
    organizationId: string,
    id: string,
    result: {
      summary: ReviewSummary;
      provider: string;
      model: string | null;
      usage: TokenUsage | null;
      documentVersion: number;
    },
  ): Promise<ReviewRecord | null> {
    const row = await this.db
      .updateTable("reviews")
      .set({
        status: "completed",
        summary: JSON.stringify(result.summary),
        provider: result.provider,
        model: result.model,
        document_version: result.documentVersion,
        prompt_tokens: result.usage?.promptTokens ?? null,
        completion_tokens: result.usage?.completionTokens ?? null,
        total_tokens: result.usage?.totalTokens ?? null,
        completed_at: new Date(),
        updated_at: new Date(),
      })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("status", "in", ["queued", "running"])
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /** Fails an unfinished review once; null when it had already finished. */
  async fail(organizationId: string, id: string, error: string): Promise<ReviewRecord | null> {
    const row = await this.db
      .updateTable("reviews")
      .set({ status: "failed", error, completed_at: new Date(), updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("status", "in", ["queued", "running"])
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async markCharged(organizationId: string, id: string): Promise<void> {
    await this.db
      .updateTable("reviews")
      .set({ charged_at: new Date(), updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("charged_at", "is", null)
      .execute();
  }

  async markReleased(organizationId: string, id: string): Promise<void> {
    await this.db
      .updateTable("reviews")
      .set({ released_at: new Date(), updated_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("released_at", "is", null)
      .execute();
  }
}
