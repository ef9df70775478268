import { sql } from "kysely";
import type { Role } from "@clment/auth";
import type { Db } from "./db.js";

export interface ValidSession {
  id: string;
  organizationId: string;
  userId: string;
  role: Role;
  expiresAt: Date;
  /** The organization's plan (for the gateway's rate limits). */
  plan: string;
}

export const sessionRepository = {
  async insert(
    db: Db,
    values: { organizationId: string; userId: string; tokenHash: string; expiresAt: Date },
  ): Promise<{ id: string; expiresAt: Date }> {
    const row = await db
      .insertInto("sessions")
      .values({
        organization_id: values.organizationId,
        user_id: values.userId,
        token_hash: values.tokenHash,
        expires_at: values.expiresAt,
      })
      .returning(["id", "expires_at"])
      .executeTakeFirstOrThrow();
    return { id: row.id, expiresAt: row.expires_at };
  },

  /** A session that works now: not revoked, not expired, of a member who has joined. */
  async findValidByHash(db: Db, tokenHash: string): Promise<ValidSession | undefined> {
    const row = await db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.user_id")
      .innerJoin("organizations", "organizations.id", "sessions.organization_id")
      .select([
        "sessions.id",
        "sessions.organization_id",
        "sessions.user_id",
        "sessions.expires_at",
        "users.role",
        "organizations.plan",
      ])
      .where("sessions.token_hash", "=", tokenHash)
      .where("sessions.revoked_at", "is", null)
      .where("sessions.expires_at", ">", sql<Date>`now()`)
      .where("users.status", "=", "active")
      .executeTakeFirst();
    return (
      row && {
        id: row.id,
        organizationId: row.organization_id,
        userId: row.user_id,
        role: row.role,
        expiresAt: row.expires_at,
        plan: row.plan,
      }
    );
  },

  /** Revokes one session; returns its token hash, or undefined when it was not active. */
  async revoke(db: Db, organizationId: string, id: string): Promise<string | undefined> {
    const row = await db
      .updateTable("sessions")
      .set({ revoked_at: sql<Date>`now()` })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .returning("token_hash")
      .executeTakeFirst();
    return row?.token_hash;
  },

  /** Hashes of the organization's sessions that may be in the gateway's cache. */
  async activeHashesOfOrganization(db: Db, organizationId: string): Promise<string[]> {
    const rows = await db
      .selectFrom("sessions")
      .select("token_hash")
      .where("organization_id", "=", organizationId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", sql<Date>`now()`)
      .execute();
    return rows.map((row) => row.token_hash);
  },

  /** The sessions of a user that may still be in use (and so in the gateway's cache). */
  activeOfUser(db: Db, userId: string): Promise<{ id: string; token_hash: string }[]> {
    return db
      .selectFrom("sessions")
      .select(["id", "token_hash"])
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", sql<Date>`now()`)
      .execute();
  },
};
