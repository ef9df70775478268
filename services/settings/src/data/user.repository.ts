import { sql, type Selectable } from "kysely";
import type { Role } from "@clment/auth";
import type { Db, UserTable } from "./db.js";
import type { ListOptions, ListPage } from "./list.js";

export type UserRow = Selectable<UserTable>;

export const userRepository = {
  insert(
    db: Db,
    values: Pick<UserRow, "organization_id" | "email" | "name" | "role" | "status"> & {
      password_hash?: string;
      joined_at?: Date;
    },
  ): Promise<UserRow> {
    return db.insertInto("users").values(values).returningAll().executeTakeFirstOrThrow();
  },

  findById(db: Db, organizationId: string, id: string): Promise<UserRow | undefined> {
    return db
      .selectFrom("users")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
  },

  /** The member row, locked until the transaction ends (a login cannot add a session meanwhile). */
  lock(db: Db, organizationId: string, id: string): Promise<UserRow | undefined> {
    return db
      .selectFrom("users")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
  },

  /** A member who can sign in; `email` must be lower-case. */
  findActiveByEmail(db: Db, email: string): Promise<UserRow | undefined> {
    return db
      .selectFrom("users")
      .selectAll()
      .where("email", "=", email)
      .where("status", "=", "active")
      .executeTakeFirst();
  },

  async list(db: Db, organizationId: string, options: ListOptions): Promise<ListPage<UserRow>> {
    const direction = options.descending ? "desc" : "asc";
    const [items, count] = await Promise.all([
      db
        .selectFrom("users")
        .selectAll()
        .where("organization_id", "=", organizationId)
        .orderBy("created_at", direction)
        .orderBy("id", direction)
        .offset(options.skip)
        .limit(options.take)
        .execute(),
      db
        .selectFrom("users")
        .select((eb) => eb.fn.countAll<number>().as("total"))
        .where("organization_id", "=", organizationId)
        .executeTakeFirstOrThrow(),
    ]);
    return { items, total: count.total };
  },

  async countActiveOwners(db: Db, organizationId: string): Promise<number> {
    const row = await db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("owners"))
      .where("organization_id", "=", organizationId)
      .where("role", "=", "owner")
      .where("status", "=", "active")
      .executeTakeFirstOrThrow();
    return row.owners;
  },

  setRole(db: Db, id: string, role: Role): Promise<UserRow> {
    return db
      .updateTable("users")
      .set({ role, updated_at: sql<Date>`now()` })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  activate(db: Db, id: string, values: { name: string; passwordHash: string }): Promise<UserRow> {
    return db
      .updateTable("users")
      .set({
        name: values.name,
        password_hash: values.passwordHash,
        status: "active",
        joined_at: sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
      })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /** Where notifications for an organization's admins go: its active owners and admins. */
  async adminEmails(db: Db, organizationId: string): Promise<string[]> {
    const rows = await db
      .selectFrom("users")
      .select("email")
      .where("organization_id", "=", organizationId)
      .where("status", "=", "active")
      .where("role", "in", ["owner", "admin"])
      .orderBy("created_at")
      .execute();
    return rows.map((row) => row.email);
  },

  /** Which of these addresses belong to active members of the organization (case aside). */
  async activeMemberEmails(db: Db, organizationId: string, emails: string[]): Promise<string[]> {
    if (emails.length === 0) return [];
    const rows = await db
      .selectFrom("users")
      .select("email")
      .where("organization_id", "=", organizationId)
      .where("status", "=", "active")
      .where(
        sql<string>`lower(email)`,
        "in",
        emails.map((email) => email.toLowerCase()),
      )
      .orderBy("created_at")
      .execute();
    return rows.map((row) => row.email);
  },

  /** Deletes the member; their sessions and invites go with them (foreign key cascade). */
  async delete(db: Db, id: string): Promise<void> {
    await db.deleteFrom("users").where("id", "=", id).execute();
  },
};
