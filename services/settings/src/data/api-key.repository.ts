import { sql, type Selectable } from "kysely";
import type { ApiKeyTable, Db } from "./db.js";
import type { ListOptions, ListPage } from "./list.js";

/** An API key row without its hash: nothing outside this file needs the hash but verification. */
export type ApiKeyRow = Omit<Selectable<ApiKeyTable>, "key_hash">;

const PUBLIC_COLUMNS = [
  "id",
  "organization_id",
  "label",
  "prefix",
  "created_by",
  "created_at",
  "last_used_at",
  "expires_at",
  "revoked_at",
] as const;

export const apiKeyRepository = {
  insert(
    db: Db,
    values: {
      organizationId: string;
      label: string;
      prefix: string;
      keyHash: string;
      createdBy: string;
      expiresAt: Date | null;
    },
  ): Promise<ApiKeyRow> {
    return db
      .insertInto("api_keys")
      .values({
        organization_id: values.organizationId,
        label: values.label,
        prefix: values.prefix,
        key_hash: values.keyHash,
        created_by: values.createdBy,
        expires_at: values.expiresAt,
      })
      .returning(PUBLIC_COLUMNS)
      .executeTakeFirstOrThrow();
  },

  findById(db: Db, organizationId: string, id: string): Promise<ApiKeyRow | undefined> {
    return db
      .selectFrom("api_keys")
      .select(PUBLIC_COLUMNS)
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
  },

  async list(db: Db, organizationId: string, options: ListOptions): Promise<ListPage<ApiKeyRow>> {
    const direction = options.descending ? "desc" : "asc";
    const [items, count] = await Promise.all([
      db
        .selectFrom("api_keys")
        .select(PUBLIC_COLUMNS)
        .where("organization_id", "=", organizationId)
        .orderBy("created_at", direction)
        .orderBy("id", direction)
        .offset(options.skip)
        .limit(options.take)
        .execute(),
      db
        .selectFrom("api_keys")
        .select((eb) => eb.fn.countAll<number>().as("total"))
        .where("organization_id", "=", organizationId)
        .executeTakeFirstOrThrow(),
    ]);
    return { items, total: count.total };
  },

  /** Revokes a key that is not revoked yet; returns it with its hash, or undefined. */
  revoke(
    db: Db,
    organizationId: string,
    id: string,
  ): Promise<(ApiKeyRow & { key_hash: string }) | undefined> {
    return db
      .updateTable("api_keys")
      .set({ revoked_at: sql<Date>`now()` })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .returning([...PUBLIC_COLUMNS, "key_hash"])
      .executeTakeFirst();
  },

  /** A key that works now: not revoked, not expired. */
  /** A key that works now, with its organization's plan (for the gateway's rate limits). */
  findValidByHash(db: Db, keyHash: string): Promise<(ApiKeyRow & { plan: string }) | undefined> {
    return db
      .selectFrom("api_keys")
      .innerJoin("organizations", "organizations.id", "api_keys.organization_id")
      .select(PUBLIC_COLUMNS.map((column) => `api_keys.${column}` as const))
      .select("organizations.plan")
      .where("api_keys.key_hash", "=", keyHash)
      .where("api_keys.revoked_at", "is", null)
      .where((eb) =>
        eb.or([
          eb("api_keys.expires_at", "is", null),
          eb("api_keys.expires_at", ">", sql<Date>`now()`),
        ]),
      )
      .executeTakeFirst();
  },

  /** Hashes of the organization's keys that may be in the gateway's cache. */
  async activeHashes(db: Db, organizationId: string): Promise<string[]> {
    const rows = await db
      .selectFrom("api_keys")
      .select("key_hash")
      .where("organization_id", "=", organizationId)
      .where("revoked_at", "is", null)
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", sql<Date>`now()`)]))
      .execute();
    return rows.map((row) => row.key_hash);
  },

  /**
   * Records when keys were last used, in one statement. A time never moves backwards (the
   * gateway's instances report in any order) nor past now.
   */
  async touch(db: Db, usages: { id: string; lastUsedAt: Date }[]): Promise<void> {
    if (usages.length === 0) return;
    const ids = usages.map((u) => u.id);
    const times = usages.map((u) => u.lastUsedAt.toISOString());
    await sql`
      update api_keys as k
      set last_used_at = greatest(k.last_used_at, least(u.used_at, now()))
      from (
        select id, max(used_at) as used_at
        from unnest(${ids}::uuid[], ${times}::timestamptz[]) as t (id, used_at)
        group by id
      ) as u
      where k.id = u.id
    `.execute(db);
  },
};
