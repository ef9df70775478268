import type { Identity } from "@clment/auth";
import { AppError } from "@clment/http";
import type { ContractsApp } from "../app.js";
import { ContractRepository } from "../data/contract.repository.js";
import type { KeyDateKind } from "../data/db.js";
import {
  isDuplicateExtractedDate,
  KeyDateRepository,
  type KeyDateChanges,
  type KeyDateFilters,
  type KeyDateSortField,
} from "../data/key-date.repository.js";
import type { ListPage, SortOrder } from "../data/list.js";
import { keyDateView } from "./contract.views.js";
import { resourceId } from "./ids.js";
import type { ReminderMoves, ReminderService } from "./reminder.service.js";

export interface NewKeyDateInput {
  kind: KeyDateKind;
  date: string;
  title: string;
  description?: string | null;
}

/** Key dates of contracts: entered by hand, or suggested from a document and confirmed. */
export class KeyDateService {
  constructor(
    private readonly app: ContractsApp,
    private readonly reminders: ReminderService,
  ) {}

  async list(
    identity: Identity,
    filters: KeyDateFilters,
    sort: SortOrder<KeyDateSortField>,
    page: ListPage,
  ) {
    const { items, total } = await new KeyDateRepository(this.app.db).list(
      identity.organizationId,
      filters,
      sort,
      page,
    );
    return { keyDates: items.map(keyDateView), total };
  }

  async get(identity: Identity, keyDateId: string) {
    const keyDate = await new KeyDateRepository(this.app.db).find(
      identity.organizationId,
      resourceId(keyDateId),
    );
    if (!keyDate) throw new AppError("NOT_FOUND");
    return keyDateView(keyDate);
  }

  async create(identity: Identity, contractId: string, input: NewKeyDateInput) {
    const id = resourceId(contractId);
    const organizationId = identity.organizationId;
    const keyDate = await this.app.db.transaction().execute(async (trx) => {
      if (!(await new ContractRepository(trx).lock(organizationId, id))) {
        throw new AppError("NOT_FOUND");
      }
      return new KeyDateRepository(trx).insert(organizationId, {
        contractId: id,
        kind: input.kind,
        date: input.date,
        title: input.title,
        description: input.description ?? null,
        source: "manual",
        status: "confirmed",
        versionId: null,
      });
    });
    return keyDateView(keyDate);
  }

  /** Changes a key date; a new date moves its scheduled reminders with it. */
  async update(identity: Identity, keyDateId: string, changes: KeyDateChanges) {
    const id = resourceId(keyDateId);
    const organizationId = identity.organizationId;
    let moves: ReminderMoves = { previous: [], next: [] };
    const keyDate = await this.app.db.transaction().execute(async (trx) => {
      const keyDates = new KeyDateRepository(trx);
      const before = await keyDates.find(organizationId, id, true);
      if (!before) throw new AppError("NOT_FOUND");
      const after = (await keyDates.update(organizationId, id, changes).catch((error: unknown) => {
        if (!isDuplicateExtractedDate(error)) throw error;
        const kind = changes.kind ?? before.kind;
        const date = changes.date ?? before.date;
        throw new AppError(
          "CONFLICT",
          `This contract already has a ${kind} date on ${date} from its document; change or delete that one instead`,
        );
      }))!;
      if (after.date !== before.date) moves = await this.reminders.followKeyDate(trx, after);
      return after;
    });
    await this.reminders.applyMoves(moves);
    return keyDateView(keyDate);
  }

  /** Deletes a key date; its scheduled reminders are cancelled (and stay listed). */
  async delete(identity: Identity, keyDateId: string) {
    const id = resourceId(keyDateId);
    const organizationId = identity.organizationId;
    const cancelled = await this.app.db.transaction().execute(async (trx) => {
      const keyDates = new KeyDateRepository(trx);
      const keyDate = await keyDates.find(organizationId, id, true);
      if (!keyDate) throw new AppError("NOT_FOUND");
      const cancelled = await this.reminders.cancelForKeyDate(trx, keyDate);
      await keyDates.delete(organizationId, id);
      return cancelled;
    });
    await Promise.all(cancelled.map((r) => this.app.reminderQueue.unschedule(r)));
    return { id, deleted: true as const };
  }
}
