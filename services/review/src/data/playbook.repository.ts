import type { Kysely } from "kysely";
import type { PlaybookRule } from "../engine/playbook.rules.js";
import type { DB } from "./db.js";
import type { ListPage, SortOrder } from "./list.js";

export interface PlaybookRecord {
  id: string;
  organizationId: string;
  name: string;
  description: string;
  builtIn: boolean;
  rules: PlaybookRule[];
  createdAt: Date;
  updatedAt: Date;
}

export const PLAYBOOK_SORT_FIELDS = ["createdAt", "updatedAt", "name"] as const;
export type PlaybookSortField = (typeof PLAYBOOK_SORT_FIELDS)[number];

const SORT_COLUMNS = {
  createdAt: "created_at",
  updatedAt: "updated_at",
  name: "name",
} as const satisfies Record<PlaybookSortField, string>;

function toRecord(row: {
  id: string;
  organization_id: string;
  name: string;
  description: string;
  built_in: boolean;
  rules: unknown;
  created_at: Date;
  updated_at: Date;
}): PlaybookRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    description: row.description,
    builtIn: row.built_in,
    rules: row.rules as PlaybookRule[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Playbooks of one organization at a time: every query filters by it. */
export class PlaybookRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async list(
    organizationId: string,
    sort: SortOrder<PlaybookSortField>,
    page: ListPage,
  ): Promise<{ items: PlaybookRecord[]; total: number }> {
    const direction = sort.descending ? "desc" : "asc";
    const [rows, count] = await Promise.all([
      this.db
        .selectFrom("playbooks")
        .selectAll()
        .where("organization_id", "=", organizationId)
        .orderBy(SORT_COLUMNS[sort.field], direction)
        .orderBy("id", direction)
        .offset(page.skip)
        .limit(page.take)
        .execute(),
      this.db
        .selectFrom("playbooks")
        .select((eb) => eb.fn.countAll<number>().as("total"))
        .where("organization_id", "=", organizationId)
        .executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toRecord), total: Number(count.total) };
  }

  async find(organizationId: string, id: string): Promise<PlaybookRecord | null> {
    const row = await this.db
      .selectFrom("playbooks")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async findBuiltIn(organizationId: string): Promise<PlaybookRecord | null> {
    const row = await this.db
      .selectFrom("playbooks")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("built_in", "=", true)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /** Inserts a playbook; a second built-in one for the organization is skipped (null). */
  async insert(
    organizationId: string,
    fields: { name: string; description: string; builtIn: boolean; rules: PlaybookRule[] },
  ): Promise<PlaybookRecord | null> {
    const row = await this.db
      .insertInto("playbooks")
      .values({
        organization_id: organizationId,
        name: fields.name,
        description: fields.description,
        built_in: fields.builtIn,
        rules: JSON.stringify(fields.rules),
      })
      .onConflict((oc) => oc.column("organization_id").where("built_in", "=", true).doNothing())
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async update(
    organizationId: string,
    id: string,
    fields: { name?: string; description?: string; rules?: PlaybookRule[] },
  ): Promise<PlaybookRecord | null> {
    const row = await this.db
      .updateTable("playbooks")
      .set({
        ...(fields.name !== undefined ? { name: fields.name } : {}),
        ...(fields.description !== undefined ? { description: fields.description } : {}),
        ...(fields.rules !== undefined ? { rules: JSON.stringify(fields.rules) } : {}),
        updated_at: new Date(),
      })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("built_in", "=", false)
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async delete(organizationId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("playbooks")
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("built_in", "=", false)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
