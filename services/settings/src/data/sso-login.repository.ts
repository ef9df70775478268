import { sql, type Selectable } from "kysely";
import type { Db, SsoLoginTable } from "./db.js";
import type { SsoConfigRow } from "./sso.repository.js";
import type { UserRow } from "./user.repository.js";

export type SsoLoginRow = Selectable<SsoLoginTable>;

export const ssoLoginRepository = {
  /** The SSO configurations whose allowed domains include `domain` (lower-case). */
  configsForDomain(db: Db, domain: string): Promise<SsoConfigRow[]> {
    return db
      .selectFrom("sso_configs")
      .selectAll()
      .where(sql<boolean>`allowed_domains @> array[${domain}]::text[]`)
      .limit(2)
      .execute();
  },

  async insert(
    db: Db,
    values: {
      organizationId: string;
      stateHash: string;
      nonce: string;
      codeVerifier: string;
      bindingHash: string;
      expiresAt: Date;
    },
  ): Promise<void> {
    await db
      .insertInto("sso_logins")
      .values({
        state_hash: values.stateHash,
        organization_id: values.organizationId,
        nonce: values.nonce,
        code_verifier: values.codeVerifier,
        binding_hash: values.bindingHash,
        expires_at: values.expiresAt,
      })
      .execute();
  },

  /** Takes the login with this state out of the table: a state can be used once. */
  claim(db: Db, stateHash: string): Promise<SsoLoginRow | undefined> {
    return db
      .deleteFrom("sso_logins")
      .where("state_hash", "=", stateHash)
      .returningAll()
      .executeTakeFirst();
  },

  /** Forgets the organization's logins that were never completed in time. */
  async deleteExpired(db: Db, organizationId: string): Promise<void> {
    await db
      .deleteFrom("sso_logins")
      .where("organization_id", "=", organizationId)
      .where("expires_at", "<", sql<Date>`now()`)
      .execute();
  },

  /** Any member with this email (lower-case), in any organization of the region. */
  findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
    return db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
  },
};
