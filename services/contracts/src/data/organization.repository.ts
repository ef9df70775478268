import { sql, type Kysely } from "kysely";
import type { DB } from "./db.js";

export const DEFAULT_TIMEZONE = "UTC";

/**
 * The contracts service's copy of what it needs to know about organizations (their timezone),
 * kept from the settings service's events.
 */
export class OrganizationRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async timezone(organizationId: string): Promise<string> {
    const row = await this.db
      .selectFrom("organizations")
      .select("timezone")
      .where("id", "=", organizationId)
      .executeTakeFirst();
    return row?.timezone ?? DEFAULT_TIMEZONE;
  }

  /**
   * Records an organization's name and timezone as of `asOf` (the event's time). An older event
   * arriving late never overwrites a newer one. Returns the timezone before, when it changed.
   */
  async upsert(
    organization: { id: string; name: string; timezone: string },
    asOf: Date,
  ): Promise<{ changed: boolean; previous: string }> {
    const previous = await this.timezone(organization.id);
    const row = await this.db
      .insertInto("organizations")
      .values({
        id: organization.id,
        name: organization.name,
        timezone: organization.timezone,
        source_updated_at: asOf,
      })
      .onConflict((oc) =>
        oc
          .column("id")
          .doUpdateSet({
            name: (eb) => eb.ref("excluded.name"),
            timezone: (eb) => eb.ref("excluded.timezone"),
            source_updated_at: (eb) => eb.ref("excluded.source_updated_at"),
          })
          .where("organizations.source_updated_at", "<=", sql<Date>`excluded.source_updated_at`),
      )
      .returning("timezone")
      .executeTakeFirst();
    return { changed: row !== undefined && row.timezone !== previous, previous };
  }
}
