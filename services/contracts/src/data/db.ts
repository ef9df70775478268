import type { ColumnType, Generated } from "kysely";
import type { OutboxTable } from "@clment/queue";

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp column with a default (`now()`). */
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** Postgres `numeric` comes back as a string. */
type Numeric = ColumnType<string, number | string, number | string>;

export type ContractStatus = "draft" | "in_review" | "active" | "expired" | "terminated";
export type ExtractionStatus = "pending" | "completed" | "failed";
export type KeyDateKind = "effective" | "renewal" | "expiration" | "notice" | "payment" | "custom";
export type KeyDateSource = "manual" | "extracted";
export type KeyDateStatus = "suggested" | "confirmed";
export type ReminderStatus = "scheduled" | "sent" | "cancelled";
export type ReminderChannel = "webhook" | "email";

export interface OrganizationsTable {
  id: string;
  name: string | null;
  timezone: string;
  source_updated_at: Timestamp;
}

export interface ContractsTable {
  id: Generated<string>;
  organization_id: string;
  title: string;
  status: ContractStatus;
  counterparty: string | null;
  value_amount: Numeric | null;
  value_currency: string | null;
  /** `YYYY-MM-DD` */
  effective_date: string | null;
  end_date: string | null;
  tags: string[];
  metadata: ColumnType<Record<string, unknown>, string, string>;
  current_version_id: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface DocumentVersionsTable {
  id: Generated<string>;
  organization_id: string;
  contract_id: string;
  version: number;
  filename: string;
  mime_type: string;
  size: number;
  sha256: string;
  blob_key: string;
  extraction_status: Generated<ExtractionStatus>;
  extraction_error: string | null;
  text: string | null;
  text_sha256: string | null;
  created_at: DefaultTimestamp;
}

export interface KeyDatesTable {
  id: Generated<string>;
  organization_id: string;
  contract_id: string;
  kind: KeyDateKind;
  date: string;
  title: string;
  description: string | null;
  source: KeyDateSource;
  status: KeyDateStatus;
  version_id: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface RemindersTable {
  id: Generated<string>;
  organization_id: string;
  key_date_id: string | null;
  contract_id: string | null;
  days_before: number;
  channels: ReminderChannel[];
  recipients: string[];
  fire_at: Timestamp;
  status: ReminderStatus;
  sent_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface SearchDocumentsTable {
  id: Generated<string>;
  organization_id: string;
  type: string;
  resource_id: string;
  contract_id: string | null;
  title: string;
  keywords: string;
  body: string;
  search_vector: ColumnType<string, never, never>;
  head_vector: ColumnType<string, never, never>;
  /** The source resource's own `updatedAt` (playbooks), so older snapshots lose. */
  source_version: Date | null;
  updated_at: DefaultTimestamp;
}

export interface SearchTombstonesTable {
  organization_id: string;
  type: string;
  resource_id: string;
  removed_at: DefaultTimestamp;
}

export interface DB {
  outbox: OutboxTable;
  processed_events: { consumer: string; event_id: string; processed_at: Date };
  organizations: OrganizationsTable;
  contracts: ContractsTable;
  document_versions: DocumentVersionsTable;
  key_dates: KeyDatesTable;
  reminders: RemindersTable;
  search_documents: SearchDocumentsTable;
  search_tombstones: SearchTombstonesTable;
}
