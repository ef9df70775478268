import type { ColumnType, Generated } from "kysely";
import type { OutboxTable } from "@clment/queue";

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export type JobStatus = "queued" | "running" | "completed" | "failed";

export interface PlaybooksTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  description: string;
  built_in: boolean;
  rules: Json<unknown>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** Columns the three kinds of metered job (review, redline, conversion) share. */
export interface MeteredJobColumns {
  id: string;
  organization_id: string;
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  credits: number;
  reservation_id: string | null;
  charged_at: Date | null;
  released_at: Date | null;
  error: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  completed_at: Date | null;
}

export interface ReviewsTable extends MeteredJobColumns {
  contract_id: string;
  playbook_id: string;
  playbook_name: string;
  rules: Json<unknown>;
  provider: string;
  model: string | null;
  document_version: number | null;
  summary: ColumnType<unknown, string | null | undefined, string | null>;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  created_by: Json<unknown>;
  started_at: Date | null;
}

export interface FindingsTable {
  id: Generated<string>;
  organization_id: string;
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
  details: Json<unknown>;
  created_at: CreatedAt;
}

export interface RedlinesTable extends MeteredJobColumns {
  review_id: string;
  contract_id: string;
  changes: number | null;
  filename: string | null;
  size: number | null;
  sha256: string | null;
  content: Buffer | null;
}

export interface ConversionsTable extends MeteredJobColumns {
  contract_id: string;
  format: string;
  source_version: number | null;
  filename: string | null;
  mime_type: string | null;
  size: number | null;
  sha256: string | null;
  content: Buffer | null;
}

export interface DB {
  outbox: OutboxTable;
  processed_events: { consumer: string; event_id: string; processed_at: Date };
  playbooks: PlaybooksTable;
  reviews: ReviewsTable;
  findings: FindingsTable;
  redlines: RedlinesTable;
  conversions: ConversionsTable;
}
