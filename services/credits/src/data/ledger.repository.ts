import type { Db, LedgerKind } from "./db.js";

export interface NewLedgerEntry {
  organizationId: string;
  kind: LedgerKind;
  /** How many credits the entry is about (never negative). */
  amount: number;
  /** What it does to the available balance: + for grants, purchases and releases, - for reservations and expiries, 0 for captures. */
  balanceChange: number;
  bucket: "allowance" | "pack" | null;
  packId?: string | null;
  periodStart?: string | null;
  reservationId?: string | null;
  operation?: string | null;
  resourceId?: string | null;
  actor?: string | null;
  metadata?: Record<string, unknown>;
  createdAt: Date;
}

export interface LedgerEntry {
  id: string;
  kind: LedgerKind;
  amount: number;
  balanceChange: number;
  bucket: "allowance" | "pack" | null;
  packId: string | null;
  periodStart: string | null;
  reservationId: string | null;
  operation: string | null;
  resourceId: string | null;
  actor: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

export class LedgerRepository {
  constructor(private readonly db: Db) {}

  /** Appends entries; the ledger is never updated or deleted (a trigger refuses it). */
  async append(entries: NewLedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db
      .insertInto("ledger_entries")
      .values(
        entries.map((e) => ({
          organization_id: e.organizationId,
          kind: e.kind,
          amount: e.amount,
          balance_change: e.balanceChange,
          bucket: e.bucket,
          pack_id: e.packId ?? null,
          period_start: e.periodStart ?? null,
          reservation_id: e.reservationId ?? null,
          operation: e.operation ?? null,
          resource_id: e.resourceId ?? null,
          actor: e.actor ?? null,
          metadata: JSON.stringify(e.metadata ?? {}),
          created_at: e.createdAt,
        })),
      )
      .execute();
  }

  /** A page of the organization's entries in the order they were written (newest first by default). */
  async list(
    organizationId: string,
    options: { skip: number; take: number; descending: boolean },
  ): Promise<{ items: LedgerEntry[]; total: number }> {
    const direction = options.descending ? "desc" : "asc";
    const [rows, count] = await Promise.all([
      this.db
        .selectFrom("ledger_entries")
        .select([
          "id",
          "kind",
          "amount",
          "balance_change",
          "bucket",
          "pack_id",
          "period_start",
          "reservation_id",
          "operation",
          "resource_id",
          "actor",
          "metadata",
          "created_at",
        ])
        .where("organization_id", "=", organizationId)
        .orderBy("seq", direction)
        .offset(options.skip)
        .limit(options.take)
        .execute(),
      this.db
        .selectFrom("ledger_entries")
        .select((eb) => eb.fn.countAll<number>().as("total"))
        .where("organization_id", "=", organizationId)
        .executeTakeFirstOrThrow(),
    ]);
    return {
      items: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        amount: r.amount,
        balanceChange: r.balance_change,
        bucket: r.bucket,
        packId: r.pack_id,
        periodStart: r.period_start,
        reservationId: r.reservation_id,
        operation: r.operation,
        resourceId: r.resource_id,
        actor: r.actor,
        metadata: r.metadata,
        createdAt: r.created_at,
      })),
      total: Number(count.total),
    };
  }
}
