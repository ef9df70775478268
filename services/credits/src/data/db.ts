import type { ColumnType, Generated, Kysely } from "kysely";
import type { IdempotencyKeysTable } from "@clment/idempotency";
import type { OutboxTable } from "@clment/queue";

/** `date` columns: "YYYY-MM-DD" strings (see @clment/db). */
type DateString = string;

export interface AccountsTable {
  organization_id: string;
  plan: string;
  anchor_day: number;
  period_start: DateString;
  period_end: DateString;
  period_allowance: number;
  allowance_balance: number;
  low_notified_period: DateString | null;
  exhausted_notified_period: DateString | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date>;
}

export interface CreditPacksTable {
  id: Generated<string>;
  organization_id: string;
  size: number;
  remaining: number;
  purchased_by: string | null;
  purchased_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
}

export interface ReservationsTable {
  id: Generated<string>;
  organization_id: string;
  idempotency_key: string;
  amount: number;
  operation: string;
  resource_id: string;
  status: "pending" | "captured" | "released" | "expired";
  period_start: DateString;
  allowance_amount: number;
  pack_allocations: ColumnType<{ packId: string; amount: number }[], string, string>;
  expires_at: Date;
  created_at: ColumnType<Date, Date | undefined, never>;
  captured_at: Date | null;
  released_at: Date | null;
}

export type LedgerKind =
  "grant" | "reserve" | "capture" | "release" | "expire" | "pack_purchase" | "plan_change";

export interface LedgerEntriesTable {
  id: Generated<string>;
  seq: ColumnType<number, never, never>;
  organization_id: string;
  kind: LedgerKind;
  amount: number;
  balance_change: number;
  bucket: "allowance" | "pack" | null;
  pack_id: string | null;
  period_start: DateString | null;
  reservation_id: string | null;
  operation: string | null;
  resource_id: string | null;
  actor: string | null;
  metadata: ColumnType<Record<string, unknown>, string | undefined, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface DB {
  accounts: AccountsTable;
  credit_packs: CreditPacksTable;
  reservations: ReservationsTable;
  ledger_entries: LedgerEntriesTable;
  outbox: OutboxTable;
  processed_events: { consumer: string; event_id: string; processed_at: Date };
  idempotency_keys: IdempotencyKeysTable;
}

export type Db = Kysely<DB>;
