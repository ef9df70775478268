import { sql } from "kysely";
import type { Db } from "./db.js";

export const inviteRepository = {
  async insert(
    db: Db,
    values: {
      organizationId: string;
      userId: string;
      tokenHash: string;
      createdBy: string;
      expiresAt: Date;
    },
  ): Promise<{ id: string; expiresAt: Date }> {
    const row = await db
      .insertInto("invites")
      .values({
        organization_id: values.organizationId,
        user_id: values.userId,
        token_hash: values.tokenHash,
        created_by: values.createdBy,
        expires_at: values.expiresAt,
      })
      .returning(["id", "expires_at"])
      .executeTakeFirstOrThrow();
    return { id: row.id, expiresAt: row.expires_at };
  },

  /**
   * The invite of `tokenHash` if it can still be accepted (not accepted, not expired, its member
   * not removed), locked until the transaction ends so it is accepted once.
   */
  async claim(
    db: Db,
    tokenHash: string,
  ): Promise<{ id: string; organizationId: string; userId: string } | undefined> {
    const row = await db
      .selectFrom("invites")
      .select(["id", "organization_id", "user_id"])
      .where("token_hash", "=", tokenHash)
      .where("accepted_at", "is", null)
      .where("expires_at", ">", sql<Date>`now()`)
      .forUpdate()
      .executeTakeFirst();
    return row && { id: row.id, organizationId: row.organization_id, userId: row.user_id };
  },

  async markAccepted(db: Db, id: string): Promise<void> {
    await db
      .updateTable("invites")
      .set({ accepted_at: sql<Date>`now()` })
      .where("id", "=", id)
      .execute();
  },
};
