import type { Kysely } from "kysely";
import type { DB } from "../data/db.js";
import { DEFAULT_TIMEZONE, OrganizationRepository } from "../data/organization.repository.js";
import { isValidTimezone } from "./reminder.schedule.js";
import type { ReminderService } from "./reminder.service.js";

/**
 * The settings service owns organizations; this service keeps the timezone its reminders fire
 * in, from `organization.created` and `organization.updated`.
 */
export class OrganizationService {
  constructor(private readonly reminders: ReminderService) {}

  async record(
    trx: Kysely<DB>,
    organization: { id: string; name: string; timezone: string },
    asOf: Date,
  ): Promise<void> {
    const timezone = isValidTimezone(organization.timezone)
      ? organization.timezone
      : DEFAULT_TIMEZONE;
    const { changed } = await new OrganizationRepository(trx).upsert(
      { ...organization, timezone },
      asOf,
    );
    if (!changed) return;
    const moves = await this.reminders.followTimezone(trx, organization.id, timezone);
    // Queued before the commit: a wake-up that comes early finds the reminder not yet due.
    await this.reminders.applyMoves(moves);
  }
}
