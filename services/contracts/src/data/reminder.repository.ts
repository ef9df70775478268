import { sql, type Kysely, type Selectable } from "kysely";
import type { DB, ReminderChannel, RemindersTable, ReminderStatus } from "./db.js";
import { sortedPageOf, type ListPage, type SortOrder } from "./list.js";

export interface ReminderRecord {
  id: string;
  organizationId: string;
  keyDateId: string | null;
  contractId: string | null;
  daysBefore: number;
  channels: ReminderChannel[];
  recipients: string[];
  fireAt: Date;
  status: ReminderStatus;
  sentAt: Date | null;
  cancelledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewReminder {
  keyDateId: string;
  contractId: string;
  daysBefore: number;
  channels: ReminderChannel[];
  recipients: string[];
  fireAt: Date;
}

export interface ReminderFilters {
  status?: ReminderStatus;
  keyDateId?: string;
  contractId?: string;
}

export const REMINDER_SORT_FIELDS = ["createdAt", "fireAt"] as const;
export type ReminderSortField = (typeof REMINDER_SORT_FIELDS)[number];
const SORT_COLUMNS = { createdAt: "created_at", fireAt: "fire_at" } as const;

const COLUMNS = [
  "id",
  "organization_id",
  "key_date_id",
  "contract_id",
  "days_before",
  "channels",
  "recipients",
  "fire_at",
  "status",
  "sent_at",
  "cancelled_at",
  "created_at",
  "updated_at",
] as const;

type Row = Selectable<RemindersTable>;

function toRecord(row: Row): ReminderRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    keyDateId: row.key_date_id,
    contractId: row.contract_id,
    daysBefore: row.days_before,
    channels: row.channels,
    recipients: row.recipients,
    fireAt: row.fire_at,
    status: row.status,
    sentAt: row.sent_at,
    cancelledAt: row.cancelled_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class ReminderRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async list(
    organizationId: string,
    filters: ReminderFilters,
    sort: SortOrder<ReminderSortField>,
    page: ListPage,
  ): Promise<{ items: ReminderRecord[]; total: number }> {
    let base = this.db.selectFrom("reminders").where("organization_id", "=", organizationId);
    if (filters.status) base = base.where("status", "=", filters.status);
    if (filters.keyDateId) base = base.where("key_date_id", "=", filters.keyDateId);
    if (filters.contractId) base = base.where("contract_id", "=", filters.contractId);
    const { rows, total } = await sortedPageOf(
      base,
      base.select(COLUMNS),
      SORT_COLUMNS[sort.field],
      sort,
      page,
    );
    return { items: rows.map(toRecord), total };
  }

  async find(organizationId: string, id: string): Promise<ReminderRecord | undefined> {
    const row = await this.db
      .selectFrom("reminders")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async insert(organizationId: string, reminder: NewReminder): Promise<ReminderRecord> {
    const row = await this.db
      .insertInto("reminders")
      .values({
        organization_id: organizationId,
        key_date_id: reminder.keyDateId,
        contract_id: reminder.contractId,
        days_before: reminder.daysBefore,
        channels: reminder.channels,
        recipients: reminder.recipients,
        fire_at: reminder.fireAt,
        status: "scheduled",
        sent_at: null,
        cancelled_at: null,
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  /** The scheduled reminders of a key date, locked for the rest of the transaction. */
  async scheduledForKeyDate(organizationId: string, keyDateId: string): Promise<ReminderRecord[]> {
    const rows = await this.db
      .selectFrom("reminders")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .where("key_date_id", "=", keyDateId)
      .where("status", "=", "scheduled")
      .forUpdate()
      .execute();
    return rows.map(toRecord);
  }

  /** The scheduled reminders of a contract (all its key dates), locked. */
  async scheduledForContract(
    organizationId: string,
    contractId: string,
  ): Promise<ReminderRecord[]> {
    const rows = await this.db
      .selectFrom("reminders")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .where("contract_id", "=", contractId)
      .where("status", "=", "scheduled")
      .forUpdate()
      .execute();
    return rows.map(toRecord);
  }

  /** The scheduled reminders of an organization with their key date, locked. */
  async scheduledWithDates(
    organizationId: string,
  ): Promise<{ id: string; daysBefore: number; date: string; fireAt: Date }[]> {
    const rows = await this.db
      .selectFrom("reminders as r")
      .innerJoin("key_dates as k", "k.id", "r.key_date_id")
      .select(["r.id", "r.days_before", "k.date", "r.fire_at"])
      .where("r.organization_id", "=", organizationId)
      .where("r.status", "=", "scheduled")
      .forUpdate()
      .execute();
    return rows.map((r) => ({
      id: r.id,
      daysBefore: r.days_before,
      date: r.date,
      fireAt: r.fire_at,
    }));
  }

  async reschedule(organizationId: string, id: string, fireAt: Date): Promise<void> {
    await this.db
      .updateTable("reminders")
      .set({ fire_at: fireAt, updated_at: sql<Date>`now()` })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("status", "=", "scheduled")
      .execute();
  }

  /** Cancels scheduled reminders; returns the ones this call cancelled. */
  async cancel(organizationId: string, ids: string[], at: Date): Promise<ReminderRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .updateTable("reminders")
      .set({ status: "cancelled", cancelled_at: at, updated_at: sql<Date>`now()` })
      .where("organization_id", "=", organizationId)
      .where("id", "in", ids)
      .where("status", "=", "scheduled")
      .returning(COLUMNS)
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Claims a due reminder for sending: of any number of workers trying at once, exactly one gets
   * the row back; the others (and any later try) get nothing.
   */
  async claimDue(
    organizationId: string,
    id: string,
    now: Date,
  ): Promise<ReminderRecord | undefined> {
    const row = await this.db
      .updateTable("reminders")
      .set({ status: "sent", sent_at: now, updated_at: sql<Date>`now()` })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("status", "=", "scheduled")
      .where("fire_at", "<=", now)
      .returning(COLUMNS)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** Turns a just-claimed reminder into a cancelled one (its key date is gone). */
  async cancelClaimed(organizationId: string, id: string, at: Date): Promise<void> {
    await this.db
      .updateTable("reminders")
      .set({ status: "cancelled", sent_at: null, cancelled_at: at, updated_at: sql<Date>`now()` })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("status", "=", "sent")
      .execute();
  }

  /**
   * Scheduled reminders of every organization due before `until`: the sweep that re-queues jobs
   * Redis lost. The one query here not bound to an organization; it only feeds the queue, which
   * then works per organization.
   */
  async dueBefore(until: Date, limit: number): Promise<ReminderRecord[]> {
    const rows = await this.db
      .selectFrom("reminders")
      .select(COLUMNS)
      .where("status", "=", "scheduled")
      .where("fire_at", "<=", until)
      .orderBy("fire_at")
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }
}
