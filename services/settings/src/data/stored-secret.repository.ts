import { sql } from "kysely";
import type { Db, IntegrationProvider } from "./db.js";

/** Where one encrypted secret is stored: a column of a row, or a field of a row's JSON. */
export type SecretLocation =
  | {
      kind: "webhook";
      webhookId: string;
      column: "secret_ciphertext" | "previous_secret_ciphertext";
    }
  | { kind: "integration"; organizationId: string; provider: IntegrationProvider; field: string }
  | { kind: "sso"; organizationId: string };

export interface StoredSecret {
  location: SecretLocation;
  ciphertext: string;
}

/**
 * Every encrypted secret this service stores (webhook endpoint secrets, integration secrets,
 * SSO client secrets), for re-encrypting them under the current key.
 */
export const storedSecretRepository = {
  /** The secrets whose ciphertext does not start with `prefix` (the current key's). */
  async notStartingWith(db: Db, prefix: string): Promise<StoredSecret[]> {
    const stale = (ciphertext: string | null) =>
      ciphertext !== null && !ciphertext.startsWith(prefix);
    const webhooks = await db
      .selectFrom("webhook_endpoints")
      .select(["id", "secret_ciphertext", "previous_secret_ciphertext"])
      .where((eb) =>
        eb.or([
          sql<boolean>`not starts_with(secret_ciphertext, ${prefix})`,
          sql<boolean>`not starts_with(previous_secret_ciphertext, ${prefix})`,
        ]),
      )
      .execute();
    const integrations = await db
      .selectFrom("integrations")
      .select(["organization_id", "provider", "secrets"])
      .where(
        sql<boolean>`exists (select 1 from jsonb_each_text(secrets) as s where not starts_with(s.value, ${prefix}))`,
      )
      .execute();
    const ssoConfigs = await db
      .selectFrom("sso_configs")
      .select(["organization_id", "client_secret_ciphertext"])
      .where(sql<boolean>`not starts_with(client_secret_ciphertext, ${prefix})`)
      .execute();
    return [
      ...webhooks.flatMap((row) =>
        (["secret_ciphertext", "previous_secret_ciphertext"] as const)
          .filter((column) => stale(row[column]))
          .map((column) => ({
            location: { kind: "webhook" as const, webhookId: row.id, column },
            ciphertext: row[column]!,
          })),
      ),
      ...integrations.flatMap((row) =>
        Object.entries(row.secrets)
          .filter(([, ciphertext]) => stale(ciphertext))
          .map(([field, ciphertext]) => ({
            location: {
              kind: "integration" as const,
              organizationId: row.organization_id,
              provider: row.provider,
              field,
            },
            ciphertext,
          })),
      ),
      ...ssoConfigs.map((row) => ({
        location: { kind: "sso" as const, organizationId: row.organization_id },
        ciphertext: row.client_secret_ciphertext,
      })),
    ];
  },

  /**
   * Writes `next` where `previous` is still stored; false when the secret changed meanwhile (a
   * rotation, a save, another process's re-encryption), which then wins. The rows' `updated_at`
   * stays: re-encrypting changes nothing anyone configured.
   */
  async replace(db: Db, location: SecretLocation, previous: string, next: string) {
    switch (location.kind) {
      case "webhook": {
        const result = await db
          .updateTable("webhook_endpoints")
          .set({ [location.column]: next })
          .where("id", "=", location.webhookId)
          .where(location.column, "=", previous)
          .executeTakeFirst();
        return result.numUpdatedRows > 0n;
      }
      case "integration": {
        const result = await db
          .updateTable("integrations")
          .set({
            secrets: sql<string>`jsonb_set(secrets, array[${location.field}]::text[], to_jsonb(${next}::text))`,
          })
          .where("organization_id", "=", location.organizationId)
          .where("provider", "=", location.provider)
          .where(sql<boolean>`secrets ->> ${location.field} = ${previous}`)
          .executeTakeFirst();
        return result.numUpdatedRows > 0n;
      }
      case "sso": {
        const result = await db
          .updateTable("sso_configs")
          .set({ client_secret_ciphertext: next })
          .where("organization_id", "=", location.organizationId)
          .where("client_secret_ciphertext", "=", previous)
          .executeTakeFirst();
        return result.numUpdatedRows > 0n;
      }
    }
  },
};
