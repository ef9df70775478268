import { sql, type Selectable } from "kysely";
import type { Db, WebhookDisabledReason, WebhookEndpointTable } from "./db.js";
import type { ListOptions, ListPage } from "./list.js";

export type WebhookEndpointRow = Selectable<WebhookEndpointTable>;

export interface NewWebhookEndpoint {
  id: string;
  organizationId: string;
  url: string;
  description: string;
  events: string[];
  secretCiphertext: string;
  createdBy: string;
}

export interface WebhookEndpointChanges {
  url?: string;
  description?: string;
  events?: string[];
  enabled?: boolean;
}

export const webhookEndpointRepository = {
  insert(db: Db, values: NewWebhookEndpoint): Promise<WebhookEndpointRow> {
    return db
      .insertInto("webhook_endpoints")
      .values({
        id: values.id,
        organization_id: values.organizationId,
        url: values.url,
        description: values.description,
        events: values.events,
        secret_ciphertext: values.secretCiphertext,
        created_by: values.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  findById(db: Db, organizationId: string, id: string): Promise<WebhookEndpointRow | undefined> {
    return db
      .selectFrom("webhook_endpoints")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
  },

  async list(
    db: Db,
    organizationId: string,
    options: ListOptions,
  ): Promise<ListPage<WebhookEndpointRow>> {
    const direction = options.descending ? "desc" : "asc";
    const [items, count] = await Promise.all([
      db
        .selectFrom("webhook_endpoints")
        .selectAll()
        .where("organization_id", "=", organizationId)
        .orderBy("created_at", direction)
        .orderBy("id", direction)
        .offset(options.skip)
        .limit(options.take)
        .execute(),
      db
        .selectFrom("webhook_endpoints")
        .select((eb) => eb.fn.countAll<number>().as("total"))
        .where("organization_id", "=", organizationId)
        .executeTakeFirstOrThrow(),
    ]);
    return { items, total: count.total };
  },

  /**
   * Applies a change. Enabling clears the disabled state and the failure streak; disabling by
   * hand records the reason `manual`.
   */
  update(
    db: Db,
    organizationId: string,
    id: string,
    changes: WebhookEndpointChanges,
  ): Promise<WebhookEndpointRow | undefined> {
    return db
      .updateTable("webhook_endpoints")
      .set({
        ...(changes.url !== undefined ? { url: changes.url } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.events !== undefined ? { events: changes.events } : {}),
        ...(changes.enabled === true
          ? { enabled: true, disabled_reason: null, disabled_at: null, failing_since: null }
          : {}),
        ...(changes.enabled === false
          ? {
              enabled: false,
              disabled_reason: sql<WebhookDisabledReason>`coalesce(disabled_reason, 'manual')`,
              disabled_at: sql<Date>`coalesce(disabled_at, now())`,
            }
          : {}),
        updated_at: sql<Date>`now()`,
      })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirst();
  },

  async delete(db: Db, organizationId: string, id: string): Promise<boolean> {
    const deleted = await db
      .deleteFrom("webhook_endpoints")
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .returning("id")
      .executeTakeFirst();
    return deleted !== undefined;
  },

  /** A new current secret; the current one becomes the previous until `previousExpiresAt`. */
  rotateSecret(
    db: Db,
    organizationId: string,
    id: string,
    values: { secretCiphertext: string; previousExpiresAt: Date },
  ): Promise<WebhookEndpointRow | undefined> {
    return db
      .updateTable("webhook_endpoints")
      .set((eb) => ({
        previous_secret_ciphertext: eb.ref("secret_ciphertext"),
        previous_secret_expires_at: values.previousExpiresAt,
        secret_ciphertext: values.secretCiphertext,
        updated_at: sql<Date>`now()`,
      }))
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirst();
  },

  /** A successful attempt ends the endpoint's failure streak. */
  async recordSuccess(db: Db, id: string): Promise<void> {
    await db
      .updateTable("webhook_endpoints")
      .set({ failing_since: null })
      .where("id", "=", id)
      .where("failing_since", "is not", null)
      .execute();
  },

  /** A failed attempt starts the streak if none runs; returns how long it has run (ms). */
  async recordFailure(db: Db, id: string): Promise<number> {
    const row = await db
      .updateTable("webhook_endpoints")
      .set({ failing_since: sql<Date>`coalesce(failing_since, now())` })
      .where("id", "=", id)
      .returning(sql<number>`extract(epoch from now() - failing_since) * 1000`.as("failingForMs"))
      .executeTakeFirst();
    return Number(row?.failingForMs ?? 0);
  },

  /** Disables an enabled endpoint; undefined when it already was (so one caller reports it). */
  disable(
    db: Db,
    id: string,
    reason: Exclude<WebhookDisabledReason, "manual">,
  ): Promise<WebhookEndpointRow | undefined> {
    return db
      .updateTable("webhook_endpoints")
      .set({
        enabled: false,
        disabled_reason: reason,
        disabled_at: sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
      })
      .where("id", "=", id)
      .where("enabled", "=", true)
      .returningAll()
      .executeTakeFirst();
  },
};
