import { sql, type Selectable } from "kysely";
import type { Db, IntegrationProvider, IntegrationTable } from "./db.js";

export type IntegrationRow = Selectable<IntegrationTable>;

export const integrationRepository = {
  list(db: Db, organizationId: string): Promise<IntegrationRow[]> {
    return db
      .selectFrom("integrations")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .execute();
  },

  /** The row, locked until the transaction ends (so two saves merge secrets one after another). */
  lock(
    db: Db,
    organizationId: string,
    provider: IntegrationProvider,
  ): Promise<IntegrationRow | undefined> {
    return db
      .selectFrom("integrations")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("provider", "=", provider)
      .forUpdate()
      .executeTakeFirst();
  },

  upsert(
    db: Db,
    values: {
      organizationId: string;
      provider: IntegrationProvider;
      config: Record<string, unknown>;
      secrets: Record<string, string>;
      updatedBy: string;
    },
  ): Promise<IntegrationRow> {
    const config = JSON.stringify(values.config);
    const secrets = JSON.stringify(values.secrets);
    return db
      .insertInto("integrations")
      .values({
        organization_id: values.organizationId,
        provider: values.provider,
        config,
        secrets,
        updated_by: values.updatedBy,
      })
      .onConflict((oc) =>
        oc.columns(["organization_id", "provider"]).doUpdateSet({
          config,
          secrets,
          updated_by: values.updatedBy,
          updated_at: sql<Date>`now()`,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  async delete(db: Db, organizationId: string, provider: IntegrationProvider): Promise<boolean> {
    const deleted = await db
      .deleteFrom("integrations")
      .where("organization_id", "=", organizationId)
      .where("provider", "=", provider)
      .executeTakeFirst();
    return deleted.numDeletedRows > 0n;
  },
};
