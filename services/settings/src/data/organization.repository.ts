import { sql, type Selectable } from "kysely";
import type { Db, OrganizationTable } from "./db.js";

export type OrganizationRow = Selectable<OrganizationTable>;

export const organizationRepository = {
  insert(db: Db, values: { name: string; region: string }): Promise<OrganizationRow> {
    return db.insertInto("organizations").values(values).returningAll().executeTakeFirstOrThrow();
  },

  findById(db: Db, id: string): Promise<OrganizationRow | undefined> {
    return db.selectFrom("organizations").selectAll().where("id", "=", id).executeTakeFirst();
  },

  /**
   * Locks the organization's row until the transaction ends: changes to its members take this
   * lock first, so checks such as "is there another owner?" cannot race each other. A no-key
   * lock, so rows that merely reference the organization (a login's session) do not wait.
   */
  lock(db: Db, id: string): Promise<OrganizationRow | undefined> {
    return db
      .selectFrom("organizations")
      .selectAll()
      .where("id", "=", id)
      .forNoKeyUpdate()
      .executeTakeFirst();
  },

  update(
    db: Db,
    id: string,
    changes: { name?: string; timezone?: string },
  ): Promise<OrganizationRow | undefined> {
    return db
      .updateTable("organizations")
      .set({ ...changes, updated_at: sql<Date>`now()` })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirst();
  },

  /**
   * Records the plan credits announced at `at`, unless a later announcement was applied already
   * (events may arrive out of order). Returns whether it changed anything.
   */
  async applyPlan(db: Db, id: string, plan: string, at: Date): Promise<boolean> {
    const row = await db
      .updateTable("organizations")
      .set({ plan, plan_changed_at: at })
      .where("id", "=", id)
      .where((eb) => eb.or([eb("plan_changed_at", "is", null), eb("plan_changed_at", "<", at)]))
      .returning("id")
      .executeTakeFirst();
    return row !== undefined;
  },
};
