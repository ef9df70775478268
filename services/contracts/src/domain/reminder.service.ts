import type { Kysely } from "kysely";
import type { Identity } from "@clment/auth";
import { AppError } from "@clment/http";
import type { ContractsApp } from "../app.js";
import { ContractRepository } from "../data/contract.repository.js";
import type { DB, ReminderChannel } from "../data/db.js";
import { KeyDateRepository, type KeyDateRecord } from "../data/key-date.repository.js";
import type { ListPage, SortOrder } from "../data/list.js";
import { OrganizationRepository } from "../data/organization.repository.js";
import {
  ReminderRepository,
  type ReminderFilters,
  type ReminderRecord,
  type ReminderSortField,
} from "../data/reminder.repository.js";
import type { SchedulableReminder } from "../jobs/reminder.queue.js";
import { reminderView } from "./contract.views.js";
import { emit } from "./events.js";
import { resourceId } from "./ids.js";
import { reminderFireAt } from "./reminder.schedule.js";

export interface NewReminderInput {
  daysBefore: number;
  channels: ReminderChannel[];
  recipients: string[];
}

/** Jobs to move once a transaction that changed reminders has committed. */
export interface ReminderMoves {
  previous: SchedulableReminder[];
  next: SchedulableReminder[];
}

export type FireOutcome =
  { outcome: "sent" } | { outcome: "not_due"; fireAt: Date } | { outcome: "skipped" };

/** A job may wake a worker a moment before its time on a slightly different clock. */
const EARLY_TOLERANCE_MS = 1_000;

/**
 * Reminders of key dates: `daysBefore` the date at 09:00 in the organization's timezone. The row
 * in Postgres decides; BullMQ delayed jobs only wake a worker up at the right time.
 */
export class ReminderService {
  constructor(private readonly app: ContractsApp) {}

  async create(identity: Identity, keyDateId: string, input: NewReminderInput) {
    const id = resourceId(keyDateId);
    const organizationId = identity.organizationId;
    const reminder = await this.app.db.transaction().execute(async (trx) => {
      const keyDate = await new KeyDateRepository(trx).find(organizationId, id, true);
      if (!keyDate) throw new AppError("NOT_FOUND");
      const timezone = await new OrganizationRepository(trx).timezone(organizationId);
      return new ReminderRepository(trx).insert(organizationId, {
        keyDateId: keyDate.id,
        contractId: keyDate.contractId,
        daysBefore: input.daysBefore,
        channels: input.channels,
        recipients: input.recipients,
        fireAt: reminderFireAt(keyDate.date, input.daysBefore, timezone),
      });
    });
    await this.app.reminderQueue.scheduleSafely([reminder]);
    return reminderView(reminder);
  }

  async list(
    identity: Identity,
    filters: ReminderFilters,
    sort: SortOrder<ReminderSortField>,
    page: ListPage,
  ) {
    const { items, total } = await new ReminderRepository(this.app.db).list(
      identity.organizationId,
      filters,
      sort,
      page,
    );
    return { reminders: items.map(reminderView), total };
  }

  async get(identity: Identity, reminderId: string) {
    const reminder = await new ReminderRepository(this.app.db).find(
      identity.organizationId,
      resourceId(reminderId),
    );
    if (!reminder) throw new AppError("NOT_FOUND");
    return reminderView(reminder);
  }

  /** `DELETE /v1/reminders/:id`: cancels it (it stays listed as cancelled). */
  async cancel(identity: Identity, reminderId: string) {
    const id = resourceId(reminderId);
    const organizationId = identity.organizationId;
    const reminders = new ReminderRepository(this.app.db);
    const [cancelled] = await reminders.cancel(organizationId, [id], this.app.clock());
    if (cancelled) {
      await this.app.reminderQueue.unschedule(cancelled);
      return reminderView(cancelled);
    }
    const existing = await reminders.find(organizationId, id);
    if (!existing) throw new AppError("NOT_FOUND");
    if (existing.status === "sent") {
      throw new AppError("CONFLICT", "This reminder was already sent");
    }
    return reminderView(existing);
  }

  /** In a key date's transaction: its scheduled reminders follow its new date. */
  async followKeyDate(trx: Kysely<DB>, keyDate: KeyDateRecord): Promise<ReminderMoves> {
    const reminders = new ReminderRepository(trx);
    const scheduled = await reminders.scheduledForKeyDate(keyDate.organizationId, keyDate.id);
    if (scheduled.length === 0) return { previous: [], next: [] };
    const timezone = await new OrganizationRepository(trx).timezone(keyDate.organizationId);
    const next: SchedulableReminder[] = [];
    for (const reminder of scheduled) {
      const fireAt = reminderFireAt(keyDate.date, reminder.daysBefore, timezone);
      await reminders.reschedule(keyDate.organizationId, reminder.id, fireAt);
      next.push({ id: reminder.id, organizationId: reminder.organizationId, fireAt });
    }
    return { previous: scheduled, next };
  }

  /** In a key date's transaction: its scheduled reminders are cancelled. */
  async cancelForKeyDate(trx: Kysely<DB>, keyDate: KeyDateRecord): Promise<ReminderRecord[]> {
    const reminders = new ReminderRepository(trx);
    const scheduled = await reminders.scheduledForKeyDate(keyDate.organizationId, keyDate.id);
    return reminders.cancel(
      keyDate.organizationId,
      scheduled.map((r) => r.id),
      this.app.clock(),
    );
  }

  /** In an organization event's transaction: every scheduled reminder follows a new timezone. */
  async followTimezone(
    trx: Kysely<DB>,
    organizationId: string,
    timezone: string,
  ): Promise<ReminderMoves> {
    const reminders = new ReminderRepository(trx);
    const moves: ReminderMoves = { previous: [], next: [] };
    for (const reminder of await reminders.scheduledWithDates(organizationId)) {
      const fireAt = reminderFireAt(reminder.date, reminder.daysBefore, timezone);
      if (fireAt.getTime() === reminder.fireAt.getTime()) continue;
      await reminders.reschedule(organizationId, reminder.id, fireAt);
      moves.previous.push({ id: reminder.id, organizationId, fireAt: reminder.fireAt });
      moves.next.push({ id: reminder.id, organizationId, fireAt });
    }
    return moves;
  }

  /** After the commit: old wake-ups go, new ones come. */
  async applyMoves(moves: ReminderMoves): Promise<void> {
    await this.app.reminderQueue.scheduleSafely(moves.next, moves.previous);
  }

  /**
   * A worker woke up for a reminder. If it is due and still scheduled, it is claimed (one
   * conditional UPDATE: of two workers, or a retry after a crash, exactly one wins) and
   * `key_date.reminder` is written in the same transaction, so it goes out exactly once.
   */
  async fire(organizationId: string, reminderId: string): Promise<FireOutcome> {
    const now = this.app.clock();
    const sent = await this.app.db.transaction().execute(async (trx) => {
      const reminders = new ReminderRepository(trx);
      const claimed = await reminders.claimDue(
        organizationId,
        reminderId,
        new Date(now.getTime() + EARLY_TOLERANCE_MS),
      );
      if (!claimed) return undefined;
      const keyDate = claimed.keyDateId
        ? await new KeyDateRepository(trx).find(organizationId, claimed.keyDateId)
        : undefined;
      const contract = keyDate
        ? await new ContractRepository(trx).find(organizationId, keyDate.contractId)
        : undefined;
      if (!keyDate || !contract) {
        // Its key date went without cancelling it: nothing left to remind of.
        await reminders.cancelClaimed(organizationId, claimed.id, now);
        return undefined;
      }
      await emit(trx, "key_date.reminder", organizationId, {
        reminder: {
          id: claimed.id,
          daysBefore: claimed.daysBefore,
          channels: claimed.channels,
          recipients: claimed.recipients,
          fireAt: claimed.fireAt.toISOString(),
        },
        keyDate: {
          id: keyDate.id,
          kind: keyDate.kind,
          date: keyDate.date,
          title: keyDate.title,
          description: keyDate.description,
        },
        contract: { id: contract.id, title: contract.title },
      });
      return claimed;
    });
    if (sent) {
      this.app.kickRelay();
      return { outcome: "sent" };
    }
    const reminder = await new ReminderRepository(this.app.db).find(organizationId, reminderId);
    if (reminder?.status === "scheduled" && reminder.fireAt.getTime() > now.getTime()) {
      return { outcome: "not_due", fireAt: reminder.fireAt };
    }
    return { outcome: "skipped" };
  }
}
