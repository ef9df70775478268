import { sql, type Kysely } from "kysely";
import type { FindingDraft } from "../engine/review.types.js";
import type { DB } from "./db.js";
import type { ListPage, SortOrder } from "./list.js";

export interface FindingRecord extends FindingDraft {
  id: string;
  reviewId: string;
  position: number;
  createdAt: Date;
}

function toRecord(row: {
  id: string;
  review_id: string;
  position: number;
  rule_id: string;
  clause_type: string;
  status: string;
  severity: string;
  excerpt: string;
  location_start: number;
  location_end: number;
  explanation: string;
  suggestion: string | null;
  details: unknown;
  created_at: Date;
}): FindingRecord {
  return {
    id: row.id,
    reviewId: row.review_id,
    position: row.position,
    ruleId: row.rule_id,
    clauseType: row.clause_type as FindingDraft["clauseType"],
    status: row.status as FindingDraft["status"],
    severity: row.severity as FindingDraft["severity"],
    excerpt: row.excerpt,
    location: { start: row.location_start, end: row.location_end },
    explanation: row.explanation,
    suggestion: row.suggestion,
    details: row.details as FindingDraft["details"],
    createdAt: row.created_at,
  };
}

/** How a review's findings can be listed: in the document's order, or by severity. */
export const FINDING_SORT_FIELDS = ["position", "severity"] as const;
export type FindingSortField = (typeof FINDING_SORT_FIELDS)[number];

export interface FindingFilters {
  severity?: string[];
  status?: string[];
}

/** Findings of one organization's reviews: every query filters by the organization. */
export class FindingRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Stores a review's findings once: a retried job finds them there and adds nothing. */
  async insertAll(
    organizationId: string,
    reviewId: string,
    drafts: FindingDraft[],
  ): Promise<FindingRecord[]> {
    if (drafts.length === 0) return [];
    const rows = await this.db
      .insertInto("findings")
      .values(
        drafts.map((draft, position) => ({
          organization_id: organizationId,
          review_id: reviewId,
          position,
          rule_id: draft.ruleId,
          clause_type: draft.clauseType,
          status: draft.status,
          severity: draft.severity,
          excerpt: draft.excerpt,
          location_start: draft.location.start,
          location_end: draft.location.end,
          explanation: draft.explanation,
          suggestion: draft.suggestion,
          details: JSON.stringify(draft.details),
        })),
      )
      .onConflict((oc) => oc.columns(["review_id", "rule_id"]).doNothing())
      .returningAll()
      .execute();
    return rows.map(toRecord);
  }

  async list(
    organizationId: string,
    reviewId: string,
    filters: FindingFilters,
    sort: SortOrder<FindingSortField>,
    page: ListPage,
  ): Promise<{ items: FindingRecord[]; total: number }> {
    let query = this.db
      .selectFrom("findings")
      .where("organization_id", "=", organizationId)
      .where("review_id", "=", reviewId);
    if (filters.severity) query = query.where("severity", "in", filters.severity);
    if (filters.status) query = query.where("status", "in", filters.status);
    const [rows, count] = await Promise.all([
      (sort.field === "severity"
        ? // Ascending severity is low first; within a severity, the document's order.
          query
            .selectAll()
            .orderBy(
              sql`case severity when 'low' then 0 when 'medium' then 1 else 2 end`,
              sort.descending ? "desc" : "asc",
            )
            .orderBy("position")
        : query.selectAll().orderBy("position", sort.descending ? "desc" : "asc")
      )
        .orderBy("id")
        .offset(page.skip)
        .limit(page.take)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as("total")).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toRecord), total: Number(count.total) };
  }

  async all(organizationId: string, reviewId: string): Promise<FindingRecord[]> {
    const rows = await this.db
      .selectFrom("findings")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("review_id", "=", reviewId)
      .orderBy("position")
      .execute();
    return rows.map(toRecord);
  }
}
