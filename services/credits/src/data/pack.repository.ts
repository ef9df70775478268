import { sql } from "kysely";
import type { Db } from "./db.js";

export interface CreditPack {
  id: string;
  organizationId: string;
  size: number;
  remaining: number;
  purchasedBy: string | null;
  purchasedAt: Date;
  expiresAt: Date;
}

const COLUMNS = [
  "id",
  "organization_id",
  "size",
  "remaining",
  "purchased_by",
  "purchased_at",
  "expires_at",
] as const;

function toPack(row: {
  id: string;
  organization_id: string;
  size: number;
  remaining: number;
  purchased_by: string | null;
  purchased_at: Date;
  expires_at: Date;
}): CreditPack {
  return {
    id: row.id,
    organizationId: row.organization_id,
    size: row.size,
    remaining: row.remaining,
    purchasedBy: row.purchased_by,
    purchasedAt: row.purchased_at,
    expiresAt: row.expires_at,
  };
}

export class PackRepository {
  constructor(private readonly db: Db) {}

  /** Packs with credits left that have not expired at `now`, oldest first (the order of use). */
  async usable(organizationId: string, now: Date): Promise<CreditPack[]> {
    const rows = await this.db
      .selectFrom("credit_packs")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .where("remaining", ">", 0)
      .where("expires_at", ">", now)
      .orderBy("purchased_at")
      .orderBy("id")
      .execute();
    return rows.map(toPack);
  }

  /** Packs that have not expired at `now` (used up or not), oldest first. */
  async unexpired(organizationId: string, now: Date): Promise<CreditPack[]> {
    const rows = await this.db
      .selectFrom("credit_packs")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .where("expires_at", ">", now)
      .orderBy("purchased_at")
      .orderBy("id")
      .execute();
    return rows.map(toPack);
  }

  async usableTotal(organizationId: string, now: Date): Promise<number> {
    const row = await this.db
      .selectFrom("credit_packs")
      .select(sql<number>`coalesce(sum(remaining), 0)::int`.as("total"))
      .where("organization_id", "=", organizationId)
      .where("remaining", ">", 0)
      .where("expires_at", ">", now)
      .executeTakeFirstOrThrow();
    return row.total;
  }

  async find(organizationId: string, id: string): Promise<CreditPack | undefined> {
    const row = await this.db
      .selectFrom("credit_packs")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toPack(row);
  }

  async create(pack: {
    organizationId: string;
    size: number;
    purchasedBy: string | null;
    purchasedAt: Date;
    expiresAt: Date;
  }): Promise<CreditPack> {
    const row = await this.db
      .insertInto("credit_packs")
      .values({
        organization_id: pack.organizationId,
        size: pack.size,
        remaining: pack.size,
        purchased_by: pack.purchasedBy,
        purchased_at: pack.purchasedAt,
        expires_at: pack.expiresAt,
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toPack(row);
  }

  /** Adds `delta` (negative to take) to a pack's remaining credits. */
  async adjust(organizationId: string, id: string, delta: number): Promise<void> {
    await this.db
      .updateTable("credit_packs")
      .set((eb) => ({ remaining: eb("remaining", "+", delta) }))
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .execute();
  }

  /** Packs of the organization that expired at or before `now` with credits left. */
  async expiredWithCredits(organizationId: string, now: Date): Promise<CreditPack[]> {
    const rows = await this.db
      .selectFrom("credit_packs")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .where("remaining", ">", 0)
      .where("expires_at", "<=", now)
      .orderBy("expires_at")
      .execute();
    return rows.map(toPack);
  }

  /** Organizations that have expired packs with credits left. */
  async organizationsWithExpiredCredits(now: Date, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom("credit_packs")
      .select("organization_id")
      .distinct()
      .where("remaining", ">", 0)
      .where("expires_at", "<=", now)
      .limit(limit)
      .execute();
    return rows.map((r) => r.organization_id);
  }
}
