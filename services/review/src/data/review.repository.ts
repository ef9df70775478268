import { sql, type Kysely, type Selectable } from "kysely";
import type { PlaybookRule } from "../engine/playbook.rules.js";
import type { TokenUsage } from "../engine/review.types.js";
import type { DB, JobStatus, ReviewsTable } from "./db.js";
import type { ListPage, SortOrder } from "./list.js";
import {
  MeteredJobRepository,
  meteredJobFields,
  type MeteredJobRecord,
} from "./metered-job.repository.js";

export interface ReviewSummary {
  total: number;
  byStatus: Record<"compliant" | "deviation" | "missing", number>;
  bySeverity: Record<
    "high" | "medium" | "low",
    Record<"compliant" | "deviation" | "missing", number>
  >;
}

export interface ReviewRecord extends MeteredJobRecord {
  contractId: string;
  playbookId: string;
  playbookName: string;
  rules: PlaybookRule[];
  provider: string;
  model: string | null;
  documentVersion: number | null;
  summary: ReviewSummary | null;
  usage: TokenUsage | null;
  startedAt: Date | null;
}

export const REVIEW_SORT_FIELDS = ["createdAt", "updatedAt", "status"] as const;
export type ReviewSortField = (typeof REVIEW_SORT_FIELDS)[number];

const SORT_COLUMNS = {
  createdAt: "created_at",
  updatedAt: "updated_at",
  status: "status",
} as const satisfies Record<ReviewSortField, string>;

type Row = Selectable<ReviewsTable>;

export interface ReviewFilters {
  contractId?: string;
  status?: JobStatus[];
}

/** Reviews of one organization at a time: every query filters by it. */
export class ReviewRepository extends MeteredJobRepository<Row, ReviewRecord> {
  constructor(db: Kysely<DB>) {
    super(db, "reviews");
  }

  protected toRecord(row: Row): ReviewRecord {
    return {
      ...meteredJobFields(row),
      contractId: row.contract_id,
      playbookId: row.playbook_id,
      playbookName: row.playbook_name,
      rules: row.rules as PlaybookRule[],
      provider: row.provider,
      model: row.model,
      documentVersion: row.document_version,
      summary: (row.summary as ReviewSummary | null) ?? null,
      usage:
        row.total_tokens === null
          ? null
          : {
              promptTokens: row.prompt_tokens ?? 0,
              completionTokens: row.completion_tokens ?? 0,
              totalTokens: row.total_tokens,
            },
      startedAt: row.started_at,
    };
  }

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
        document_version: fields.documentVersion,
        credits: fields.credits,
        reservation_id: fields.reservationId,
        created_by: JSON.stringify(fields.createdBy),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return this.toRecord(row);
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
    return { items: rows.map((row) => this.toRecord(row)), total: Number(count.total) };
  }

  /** Claims the review for an attempt; null when it is already finished. */
  override async markRunning(organizationId: string, id: string): Promise<ReviewRecord | null> {
    return this.updateUnfinished(organizationId, id, {
      status: "running",
      attempts: sql<number>`attempts + 1`,
      started_at: sql<Date>`coalesce(started_at, now())`,
      updated_at: new Date(),
    });
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
    return this.completeWith(organizationId, id, {
      summary: JSON.stringify(result.summary),
      provider: result.provider,
      model: result.model,
      document_version: result.documentVersion,
      prompt_tokens: result.usage?.promptTokens ?? null,
      completion_tokens: result.usage?.completionTokens ?? null,
      total_tokens: result.usage?.totalTokens ?? null,
    });
  }
}
