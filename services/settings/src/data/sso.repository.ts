import { sql, type Selectable } from "kysely";
import type { Db, SsoConfigTable } from "./db.js";

export type SsoConfigRow = Selectable<SsoConfigTable>;

export interface SsoConfigValues {
  issuer: string;
  clientId: string;
  clientSecretCiphertext: string;
  enforced: boolean;
  allowedDomains: string[];
  updatedBy: string;
}

export const ssoRepository = {
  find(db: Db, organizationId: string): Promise<SsoConfigRow | undefined> {
    return db
      .selectFrom("sso_configs")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .executeTakeFirst();
  },

  lock(db: Db, organizationId: string): Promise<SsoConfigRow | undefined> {
    return db
      .selectFrom("sso_configs")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .forUpdate()
      .executeTakeFirst();
  },

  /** Whether password login is refused for the organization's non-owners. */
  async isEnforced(db: Db, organizationId: string): Promise<boolean> {
    const row = await db
      .selectFrom("sso_configs")
      .select("enforced")
      .where("organization_id", "=", organizationId)
      .executeTakeFirst();
    return row?.enforced ?? false;
  },

  upsert(db: Db, organizationId: string, values: SsoConfigValues): Promise<SsoConfigRow> {
    const columns = {
      issuer: values.issuer,
      client_id: values.clientId,
      client_secret_ciphertext: values.clientSecretCiphertext,
      enforced: values.enforced,
      allowed_domains: values.allowedDomains,
      updated_by: values.updatedBy,
    };
    return db
      .insertInto("sso_configs")
      .values({ organization_id: organizationId, ...columns })
      .onConflict((oc) =>
        oc.column("organization_id").doUpdateSet({ ...columns, updated_at: sql<Date>`now()` }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  async delete(db: Db, organizationId: string): Promise<boolean> {
    const deleted = await db
      .deleteFrom("sso_configs")
      .where("organization_id", "=", organizationId)
      .executeTakeFirst();
    return deleted.numDeletedRows > 0n;
  },
};
