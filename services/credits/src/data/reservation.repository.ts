import { sql } from "kysely";
import type { Allocation } from "../domain/allocation.js";
import type { Account } from "./account.repository.js";
import type { Db, ReservationsTable } from "./db.js";

export type ReservationStatus = ReservationsTable["status"];

export interface ReservationRecord {
  id: string;
  organizationId: string;
  idempotencyKey: string;
  amount: number;
  operation: string;
  resourceId: string;
  status: ReservationStatus;
  /** The period whose allowance the reservation drew from. */
  periodStart: string;
  allocation: Allocation;
  expiresAt: Date;
  createdAt: Date;
  capturedAt: Date | null;
  releasedAt: Date | null;
}

const COLUMNS = [
  "id",
  "organization_id",
  "idempotency_key",
  "amount",
  "operation",
  "resource_id",
  "status",
  "period_start",
  "allowance_amount",
  "pack_allocations",
  "expires_at",
  "created_at",
  "captured_at",
  "released_at",
] as const;

interface Row {
  id: string;
  organization_id: string;
  idempotency_key: string;
  amount: number;
  operation: string;
  resource_id: string;
  status: ReservationStatus;
  period_start: string;
  allowance_amount: number;
  pack_allocations: { packId: string; amount: number }[];
  expires_at: Date;
  created_at: Date;
  captured_at: Date | null;
  released_at: Date | null;
}

function toRecord(row: Row): ReservationRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    idempotencyKey: row.idempotency_key,
    amount: row.amount,
    operation: row.operation,
    resourceId: row.resource_id,
    status: row.status,
    periodStart: row.period_start,
    allocation: { allowance: row.allowance_amount, packs: row.pack_allocations },
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    capturedAt: row.captured_at,
    releasedAt: row.released_at,
  };
}

/** What a reservation taken in one statement tells about the account it drew from. */
export type AccountAfterReservation = Pick<
  Account,
  | "organizationId"
  | "plan"
  | "period"
  | "periodAllowance"
  | "allowanceBalance"
  | "lowNotifiedPeriod"
  | "exhaustedNotifiedPeriod"
  | "anchorDay"
>;

export interface NewReservation {
  organizationId: string;
  idempotencyKey: string;
  amount: number;
  operation: string;
  resourceId: string;
  createdAt: Date;
  expiresAt: Date;
}

/** Names a request within a batch of `reserveFromAllowance`: its organization and key. */
export function batchKey(organizationId: string, idempotencyKey: string): string {
  return `${organizationId} ${idempotencyKey}`;
}

export class ReservationRepository {
  constructor(private readonly db: Db) {}

  /**
   * The common case, for a batch of reservations (of one or several organizations) in one
   * atomic statement: locks the accounts, in the order of their ids, whose current period (not
   * ended by `today`) is the one to draw from; takes for each organization the longest run of
   * its requests, in order, that its allowance covers; records them and their ledger entries;
   * lowers each allowance by what its reservations took. The row locks are held only while the
   * statement runs. A request whose idempotency key already has a reservation takes nothing.
   * Returns the reservations made (find one with `batchKey`; the batch's (organization, key)
   * pairs are distinct) and the accounts after them; the other requests (not covered, period
   * ended, no account, key taken) are the caller's to settle on the general path.
   */
  async reserveFromAllowance(
    today: string,
    requests: NewReservation[],
  ): Promise<{ reserved: Map<string, ReservationRecord>; accounts: AccountAfterReservation[] }> {
    const input = JSON.stringify(
      requests.map((r, n) => ({
        n,
        organization_id: r.organizationId,
        idempotency_key: r.idempotencyKey,
        amount: r.amount,
        operation: r.operation,
        resource_id: r.resourceId,
        created_at: r.createdAt.toISOString(),
        expires_at: r.expiresAt.toISOString(),
      })),
    );
    const organizationIds = [...new Set(requests.map((r) => r.organizationId))];
    const { rows } = await sql<
      Row & {
        plan: string;
        anchor_day: number;
        period_end: string;
        period_allowance: number;
        allowance_balance: number;
        low_notified_period: string | null;
        exhausted_notified_period: string | null;
      }
    >`
      with input as (
        select i.*, sum(i.amount) over (partition by i.organization_id order by i.n) as running
        from jsonb_to_recordset(${input}::jsonb) as i(n int, organization_id uuid,
          idempotency_key text, amount int, operation text, resource_id text,
          created_at timestamptz, expires_at timestamptz)
      ), locked as materialized (
        select a.organization_id, a.period_start, a.allowance_balance
        from accounts a
        where a.organization_id = any(${organizationIds}::uuid[])
          and a.period_end > ${today}::date
          and a.allowance_balance >= (
            select min(i.running) from input i where i.organization_id = a.organization_id
          )
        order by a.organization_id
        for update
      ), reservation as (
        insert into reservations (organization_id, idempotency_key, amount, operation, resource_id,
          status, period_start, allowance_amount, pack_allocations, created_at, expires_at)
        select a.organization_id, i.idempotency_key, i.amount, i.operation, i.resource_id,
          'pending', a.period_start, i.amount, '[]'::jsonb, i.created_at, i.expires_at
        from input i join locked a on a.organization_id = i.organization_id
        where i.running <= a.allowance_balance
        order by i.n
        on conflict (organization_id, idempotency_key) do nothing
        returning *
      ), taken as (
        select organization_id, sum(amount)::int as amount from reservation group by organization_id
      ), account as (
        update accounts a
        set allowance_balance = a.allowance_balance - t.amount, updated_at = now()
        from taken t
        where a.organization_id = t.organization_id
        returning a.organization_id, a.plan, a.anchor_day, a.period_start, a.period_end,
          a.period_allowance, a.allowance_balance, a.low_notified_period,
          a.exhausted_notified_period
      ), entry as (
        insert into ledger_entries (organization_id, kind, amount, balance_change, bucket,
          period_start, reservation_id, operation, resource_id, created_at)
        select organization_id, 'reserve', amount, -amount, 'allowance', period_start, id,
          operation, resource_id, created_at
        from reservation
      )
      select r.id, r.organization_id, r.idempotency_key, r.amount, r.operation, r.resource_id,
        r.status, r.period_start::text as period_start, r.allowance_amount, r.pack_allocations,
        r.expires_at, r.created_at, r.captured_at, r.released_at,
        a.plan, a.anchor_day, a.period_end::text as period_end, a.period_allowance,
        a.allowance_balance, a.low_notified_period::text as low_notified_period,
        a.exhausted_notified_period::text as exhausted_notified_period
      from reservation r join account a on a.organization_id = r.organization_id
    `.execute(this.db);
    const reserved = new Map<string, ReservationRecord>();
    const accounts = new Map<string, AccountAfterReservation>();
    for (const row of rows) {
      reserved.set(batchKey(row.organization_id, row.idempotency_key), toRecord(row));
      accounts.set(row.organization_id, {
        organizationId: row.organization_id,
        plan: row.plan,
        anchorDay: row.anchor_day,
        period: { start: row.period_start, end: row.period_end },
        periodAllowance: row.period_allowance,
        allowanceBalance: row.allowance_balance,
        lowNotifiedPeriod: row.low_notified_period,
        exhaustedNotifiedPeriod: row.exhausted_notified_period,
      });
    }
    return { reserved, accounts: [...accounts.values()] };
  }

  /** The reservations the organization's `idempotencyKeys` already made, by key. */
  async findByKeys(
    organizationId: string,
    idempotencyKeys: string[],
  ): Promise<Map<string, ReservationRecord>> {
    const rows = await this.db
      .selectFrom("reservations")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .where("idempotency_key", "in", idempotencyKeys)
      .execute();
    return new Map(rows.map((row) => [row.idempotency_key, toRecord(row)]));
  }

  /** Reads a reservation and locks its row until the transaction ends. */
  async lock(organizationId: string, id: string): Promise<ReservationRecord | undefined> {
    const row = await this.db
      .selectFrom("reservations")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /**
   * Inserts pending reservations, in order; returns them in the same order. Their keys must be
   * free (checked under the account lock): a taken one fails the whole insert.
   */
  async create(
    reservations: (NewReservation & { periodStart: string; allocation: Allocation })[],
  ): Promise<ReservationRecord[]> {
    if (reservations.length === 0) return [];
    const rows = await this.db
      .insertInto("reservations")
      .values(
        reservations.map((reservation) => ({
          organization_id: reservation.organizationId,
          idempotency_key: reservation.idempotencyKey,
          amount: reservation.amount,
          operation: reservation.operation,
          resource_id: reservation.resourceId,
          status: "pending" as const,
          period_start: reservation.periodStart,
          allowance_amount: reservation.allocation.allowance,
          pack_allocations: JSON.stringify(reservation.allocation.packs),
          created_at: reservation.createdAt,
          expires_at: reservation.expiresAt,
        })),
      )
      .returning(COLUMNS)
      .execute();
    const made = new Map(
      rows.map((row) => [batchKey(row.organization_id, row.idempotency_key), toRecord(row)]),
    );
    return reservations.map((r) => made.get(batchKey(r.organizationId, r.idempotencyKey))!);
  }

  async finish(
    organizationId: string,
    id: string,
    status: Exclude<ReservationStatus, "pending">,
    at: Date,
  ): Promise<ReservationRecord> {
    const row = await this.db
      .updateTable("reservations")
      .set(status === "captured" ? { status, captured_at: at } : { status, released_at: at })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  /** Pending reservations whose hold ran out at `now`. */
  async overdue(now: Date, limit: number): Promise<{ id: string; organizationId: string }[]> {
    const rows = await this.db
      .selectFrom("reservations")
      .select(["id", "organization_id"])
      .where("status", "=", "pending")
      .where("expires_at", "<=", now)
      .orderBy("expires_at")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, organizationId: r.organization_id }));
  }
}
