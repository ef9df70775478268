import { sql, type Kysely } from "kysely";
import type { ContractStatus, DB, ExtractionStatus } from "./db.js";
import { escapeLike, pageOf, type ListPage, type SortOrder } from "./list.js";

/** A contract with the metadata of its current document version. */
export interface ContractRecord {
  id: string;
  organizationId: string;
  title: string;
  status: ContractStatus;
  counterparty: string | null;
  valueAmount: string | null;
  valueCurrency: string | null;
  effectiveDate: string | null;
  endDate: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  document: {
    versionId: string;
    version: number;
    filename: string;
    mimeType: string;
    size: number;
    sha256: string;
    blobKey: string;
    extraction: ExtractionStatus;
    uploadedAt: Date;
  } | null;
}

export interface ContractFields {
  title: string;
  status: ContractStatus;
  counterparty: string | null;
  value: { amount: number; currency: string } | null;
  effectiveDate: string | null;
  endDate: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
}

export interface ContractFilters {
  status?: ContractStatus[];
  counterparty?: string;
  tag?: string;
  q?: string;
}

export const CONTRACT_SORT_FIELDS = [
  "createdAt",
  "updatedAt",
  "title",
  "status",
  "counterparty",
  "effectiveDate",
  "endDate",
] as const;
export type ContractSortField = (typeof CONTRACT_SORT_FIELDS)[number];

const SORT_COLUMNS = {
  createdAt: "c.created_at",
  updatedAt: "c.updated_at",
  title: "c.title",
  status: "c.status",
  counterparty: "c.counterparty",
  effectiveDate: "c.effective_date",
  endDate: "c.end_date",
} as const satisfies Record<ContractSortField, string>;

function baseQuery(db: Kysely<DB>, organizationId: string) {
  return db
    .selectFrom("contracts as c")
    .leftJoin("document_versions as v", "v.id", "c.current_version_id")
    .where("c.organization_id", "=", organizationId);
}

type Base = ReturnType<typeof baseQuery>;

function selectRecord(query: Base) {
  return query.select([
    "c.id",
    "c.organization_id",
    "c.title",
    "c.status",
    "c.counterparty",
    "c.value_amount",
    "c.value_currency",
    "c.effective_date",
    "c.end_date",
    "c.tags",
    "c.metadata",
    "c.created_at",
    "c.updated_at",
    "v.id as version_id",
    "v.version",
    "v.filename",
    "v.mime_type",
    "v.size",
    "v.sha256",
    "v.blob_key",
    "v.extraction_status",
    "v.created_at as uploaded_at",
  ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof selectRecord>["executeTakeFirstOrThrow"]>>;

function toRecord(row: Row): ContractRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    title: row.title,
    status: row.status,
    counterparty: row.counterparty,
    valueAmount: row.value_amount,
    valueCurrency: row.value_currency,
    effectiveDate: row.effective_date,
    endDate: row.end_date,
    tags: row.tags,
    metadata: row.metadata,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    document: row.version_id
      ? {
          versionId: row.version_id,
          version: row.version!,
          filename: row.filename!,
          mimeType: row.mime_type!,
          size: row.size!,
          sha256: row.sha256!,
          blobKey: row.blob_key!,
          extraction: row.extraction_status!,
          uploadedAt: row.uploaded_at!,
        }
      : null,
  };
}

function applyFilters(query: Base, filters: ContractFilters): Base {
  let q = query;
  if (filters.status?.length) q = q.where("c.status", "in", filters.status);
  if (filters.counterparty) {
    q = q.where("c.counterparty", "ilike", `%${escapeLike(filters.counterparty)}%`);
  }
  if (filters.tag) q = q.where(sql<boolean>`c.tags @> array[${filters.tag}]::text[]`);
  if (filters.q) {
    const text = filters.q;
    const pattern = `%${escapeLike(text)}%`;
    q = q.where((eb) =>
      eb.or([
        eb("c.title", "ilike", pattern),
        eb("c.counterparty", "ilike", pattern),
        eb.exists(
          eb
            .selectFrom("search_documents as s")
            .select(sql`1`.as("one"))
            .whereRef("s.organization_id", "=", "c.organization_id")
            .where("s.type", "=", "contract")
            .whereRef("s.resource_id", "=", "c.id")
            .where(sql<boolean>`s.search_vector @@ websearch_to_tsquery('english', ${text})`),
        ),
      ]),
    );
  }
  return q;
}

export class ContractRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async list(
    organizationId: string,
    filters: ContractFilters,
    sort: SortOrder<ContractSortField>,
    page: ListPage,
  ): Promise<{ items: ContractRecord[]; total: number }> {
    const filtered = applyFilters(baseQuery(this.db, organizationId), filters);
    const ordered = selectRecord(filtered)
      .orderBy(sql.ref(SORT_COLUMNS[sort.field]), (ob) =>
        sort.descending ? ob.desc().nullsLast() : ob.asc().nullsLast(),
      )
      .orderBy("c.id", sort.descending ? "desc" : "asc");
    const { rows, total } = await pageOf(filtered, ordered, page);
    return { items: rows.map(toRecord), total };
  }

  async find(organizationId: string, id: string): Promise<ContractRecord | undefined> {
    const row = await selectRecord(baseQuery(this.db, organizationId))
      .where("c.id", "=", id)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** Locks the contract row for the rest of the transaction (serialises versions). */
  async lock(organizationId: string, id: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("contracts")
      .select("id")
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    return row !== undefined;
  }

  async insert(organizationId: string, id: string, fields: ContractFields): Promise<void> {
    await this.db
      .insertInto("contracts")
      .values({
        id,
        organization_id: organizationId,
        title: fields.title,
        status: fields.status,
        counterparty: fields.counterparty,
        value_amount: fields.value?.amount ?? null,
        value_currency: fields.value?.currency ?? null,
        effective_date: fields.effectiveDate,
        end_date: fields.endDate,
        tags: fields.tags,
        metadata: JSON.stringify(fields.metadata),
      })
      .execute();
  }

  async update(
    organizationId: string,
    id: string,
    fields: Partial<ContractFields>,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable("contracts")
      .set({ ...changedColumns(fields), updated_at: sql<Date>`now()` })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async setCurrentVersion(organizationId: string, id: string, versionId: string): Promise<void> {
    await this.db
      .updateTable("contracts")
      .set({ current_version_id: versionId, updated_at: sql<Date>`now()` })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .execute();
  }

  async delete(organizationId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("contracts")
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

function changedColumns(fields: Partial<ContractFields>) {
  return {
    ...(fields.title !== undefined && { title: fields.title }),
    ...(fields.status !== undefined && { status: fields.status }),
    ...(fields.counterparty !== undefined && { counterparty: fields.counterparty }),
    ...(fields.value !== undefined && {
      value_amount: fields.value?.amount ?? null,
      value_currency: fields.value?.currency ?? null,
    }),
    ...(fields.effectiveDate !== undefined && { effective_date: fields.effectiveDate }),
    ...(fields.endDate !== undefined && { end_date: fields.endDate }),
    ...(fields.tags !== undefined && { tags: fields.tags }),
    ...(fields.metadata !== undefined && { metadata: JSON.stringify(fields.metadata) }),
  };
}
