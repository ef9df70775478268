import { sql, type Kysely, type Selectable } from "kysely";
import type { DB, KeyDateKind, KeyDatesTable, KeyDateSource, KeyDateStatus } from "./db.js";
import { sortedPageOf, type ListPage, type SortOrder } from "./list.js";

export interface KeyDateRecord {
  id: string;
  organizationId: string;
  contractId: string;
  kind: KeyDateKind;
  date: string;
  title: string;
  description: string | null;
  source: KeyDateSource;
  status: KeyDateStatus;
  versionId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewKeyDate = Omit<KeyDateRecord, "id" | "organizationId" | "createdAt" | "updatedAt">;

export type KeyDateChanges = Partial<
  Pick<KeyDateRecord, "kind" | "date" | "title" | "description" | "status">
>;

export interface KeyDateFilters {
  contractId?: string;
  kind?: KeyDateKind[];
  status?: KeyDateStatus;
  source?: KeyDateSource;
  from?: string;
  to?: string;
}

export const KEY_DATE_SORT_FIELDS = ["createdAt", "updatedAt", "date", "kind", "title"] as const;
export type KeyDateSortField = (typeof KEY_DATE_SORT_FIELDS)[number];

const SORT_COLUMNS = {
  createdAt: "created_at",
  updatedAt: "updated_at",
  date: "date",
  kind: "kind",
  title: "title",
} as const satisfies Record<KeyDateSortField, string>;

const COLUMNS = [
  "id",
  "organization_id",
  "contract_id",
  "kind",
  "date",
  "title",
  "description",
  "source",
  "status",
  "version_id",
  "created_at",
  "updated_at",
] as const;

type Row = Selectable<KeyDatesTable>;

function toRecord(row: Row): KeyDateRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    contractId: row.contract_id,
    kind: row.kind,
    date: row.date,
    title: row.title,
    description: row.description,
    source: row.source,
    status: row.status,
    versionId: row.version_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class KeyDateRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async list(
    organizationId: string,
    filters: KeyDateFilters,
    sort: SortOrder<KeyDateSortField>,
    page: ListPage,
  ): Promise<{ items: KeyDateRecord[]; total: number }> {
    let base = this.db.selectFrom("key_dates").where("organization_id", "=", organizationId);
    if (filters.contractId) base = base.where("contract_id", "=", filters.contractId);
    if (filters.kind?.length) base = base.where("kind", "in", filters.kind);
    if (filters.status) base = base.where("status", "=", filters.status);
    if (filters.source) base = base.where("source", "=", filters.source);
    if (filters.from) base = base.where("date", ">=", filters.from);
    if (filters.to) base = base.where("date", "<=", filters.to);
    const { rows, total } = await sortedPageOf(
      base,
      base.select(COLUMNS),
      SORT_COLUMNS[sort.field],
      sort,
      page,
    );
    return { items: rows.map(toRecord), total };
  }

  async find(organizationId: string, id: string, lock = false): Promise<KeyDateRecord | undefined> {
    let query = this.db
      .selectFrom("key_dates")
      .select(COLUMNS)
      .where("organization_id", "=", organizationId)
      .where("id", "=", id);
    if (lock) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async insert(organizationId: string, keyDate: NewKeyDate): Promise<KeyDateRecord> {
    const row = await this.db
      .insertInto("key_dates")
      .values({
        organization_id: organizationId,
        contract_id: keyDate.contractId,
        kind: keyDate.kind,
        date: keyDate.date,
        title: keyDate.title,
        description: keyDate.description,
        source: keyDate.source,
        status: keyDate.status,
        version_id: keyDate.versionId,
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  /** Inserts suggestions a document offers; one per contract, kind and date. */
  async insertSuggestions(organizationId: string, keyDates: NewKeyDate[]): Promise<number> {
    if (keyDates.length === 0) return 0;
    const rows = await this.db
      .insertInto("key_dates")
      .values(
        keyDates.map((k) => ({
          organization_id: organizationId,
          contract_id: k.contractId,
          kind: k.kind,
          date: k.date,
          title: k.title,
          description: k.description,
          source: "extracted" as const,
          status: "suggested" as const,
          version_id: k.versionId,
        })),
      )
      .onConflict((oc) =>
        oc.columns(["contract_id", "kind", "date"]).where("source", "=", "extracted").doNothing(),
      )
      .returning("id")
      .execute();
    return rows.length;
  }

  /**
   * Drops the suggestions of earlier versions nobody acted on (not confirmed, no reminders), so a
   * new version's dates replace them.
   */
  async dropStaleSuggestions(organizationId: string, contractId: string, versionId: string) {
    await this.db
      .deleteFrom("key_dates")
      .where("organization_id", "=", organizationId)
      .where("contract_id", "=", contractId)
      .where("source", "=", "extracted")
      .where("status", "=", "suggested")
      .where((eb) => eb.or([eb("version_id", "is", null), eb("version_id", "!=", versionId)]))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("reminders")
              .select(sql`1`.as("one"))
              .whereRef("reminders.key_date_id", "=", "key_dates.id"),
          ),
        ),
      )
      .execute();
  }

  /**
   * Changes a key date. A date from a document moved onto the kind and date of another one of
   * the same contract breaks `key_dates_extracted_once`: see `isDuplicateExtractedDate`.
   */
  async update(
    organizationId: string,
    id: string,
    changes: KeyDateChanges,
  ): Promise<KeyDateRecord | undefined> {
    const row = await this.db
      .updateTable("key_dates")
      .set({ ...changes, updated_at: sql<Date>`now()` })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .returning(COLUMNS)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async delete(organizationId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("key_dates")
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

/**
 * Whether `error` is Postgres refusing a second date from a document with the same contract,
 * kind and date (the unique index `key_dates_extracted_once`).
 */
export function isDuplicateExtractedDate(error: unknown): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return e?.code === "23505" && e.constraint === "key_dates_extracted_once";
}
