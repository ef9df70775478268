import { sql } from "kysely";
import type { Period } from "../domain/period.js";
import type { AccountsTable, Db } from "./db.js";

/** An organization's credit account: its plan, current period and the allowance left in it. */
export interface Account {
  organizationId: string;
  plan: string;
  anchorDay: number;
  period: Period;
  /** The allowance granted for the current period (an upgrade raises it). */
  periodAllowance: number;
  allowanceBalance: number;
  lowNotifiedPeriod: string | null;
  exhaustedNotifiedPeriod: string | null;
}

type AccountRow = Pick<
  AccountsTable,
  | "organization_id"
  | "plan"
  | "anchor_day"
  | "period_start"
  | "period_end"
  | "period_allowance"
  | "allowance_balance"
  | "low_notified_period"
  | "exhausted_notified_period"
>;

const COLUMNS = [
  "organization_id",
  "plan",
  "anchor_day",
  "period_start",
  "period_end",
  "period_allowance",
  "allowance_balance",
  "low_notified_period",
  "exhausted_notified_period",
] as const;

function toAccount(row: AccountRow): Account {
  return {
    organizationId: row.organization_id,
    plan: row.plan,
    anchorDay: row.anchor_day,
    period: { start: row.period_start, end: row.period_end },
    periodAllowance: row.period_allowance,
    allowanceBalance: row.allowance_balance,
    lowNotifiedPeriod: row.low_notified_period,
    exhaustedNotifiedPeriod: row.exhausted_notified_period,
  };
}

export type AccountChanges = Partial<
  Pick<
    Account,
    | "plan"
    | "period"
    | "periodAllowance"
    | "allowanceBalance"
    | "lowNotifiedPeriod"
    | "exhaustedNotifiedPeriod"
  >
>;

export class AccountRepository {
  constructor(private readonly db: Db) {}

  async find(organizationId: string): Promise<Account | undefined> {
    const row = await this.db
      .selectFrom("accounts")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .executeTakeFirst();
    return row && toAccount(row);
  }

  /**
   * Reads the account and holds its row lock until the transaction ends. Every change to an
   * organization's balances (allowance, packs, reservations) happens under this lock, so they
   * are serialized per organization.
   */
  async lock(organizationId: string): Promise<Account | undefined> {
    const row = await this.db
      .selectFrom("accounts")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .forUpdate()
      .executeTakeFirst();
    return row && toAccount(row);
  }

  /** Creates the account unless it exists; true when this call created it. */
  async createIfMissing(account: Account): Promise<boolean> {
    const inserted = await this.db
      .insertInto("accounts")
      .values({
        organization_id: account.organizationId,
        plan: account.plan,
        anchor_day: account.anchorDay,
        period_start: account.period.start,
        period_end: account.period.end,
        period_allowance: account.periodAllowance,
        allowance_balance: account.allowanceBalance,
        low_notified_period: null,
        exhausted_notified_period: null,
      })
      .onConflict((oc) => oc.column("organization_id").doNothing())
      .returning("organization_id")
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async update(organizationId: string, changes: AccountChanges): Promise<void> {
    await this.db
      .updateTable("accounts")
      .set({
        ...(changes.plan !== undefined && { plan: changes.plan }),
        ...(changes.period && {
          period_start: changes.period.start,
          period_end: changes.period.end,
        }),
        ...(changes.periodAllowance !== undefined && {
          period_allowance: changes.periodAllowance,
        }),
        ...(changes.allowanceBalance !== undefined && {
          allowance_balance: changes.allowanceBalance,
        }),
        ...(changes.lowNotifiedPeriod !== undefined && {
          low_notified_period: changes.lowNotifiedPeriod,
        }),
        ...(changes.exhaustedNotifiedPeriod !== undefined && {
          exhausted_notified_period: changes.exhaustedNotifiedPeriod,
        }),
        updated_at: sql<Date>`now()`,
      })
      .where("organization_id", "=", organizationId)
      .execute();
  }

  /** Organizations whose current period ended on or before `day`. */
  async dueForRollover(day: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom("accounts")
      .select("organization_id")
      .where("period_end", "<=", day)
      .orderBy("period_end")
      .limit(limit)
      .execute();
    return rows.map((r) => r.organization_id);
  }
}
