import { randomUUID } from "node:crypto";
import type { Identity } from "@clment/auth";
import { AppError } from "@clment/http";
import type { ContractsApp } from "../app.js";
import {
  ContractRepository,
  type ContractFields,
  type ContractRecord,
  type ContractFilters,
  type ContractSortField,
} from "../data/contract.repository.js";
import { DocumentRepository, type DocumentVersionRecord } from "../data/document.repository.js";
import type { ListPage, SortOrder } from "../data/list.js";
import { ReminderRepository } from "../data/reminder.repository.js";
import { contractView } from "./contract.views.js";
import type { DocumentService } from "./document.service.js";
import { emit } from "./events.js";
import { resourceId } from "./ids.js";
import type { UploadedFile } from "./uploaded-file.js";

/** Contracts: the story of creating, reading, changing and deleting them. */
export class ContractService {
  constructor(
    private readonly app: ContractsApp,
    private readonly documents: DocumentService,
  ) {}

  async list(
    identity: Identity,
    filters: ContractFilters,
    sort: SortOrder<ContractSortField>,
    page: ListPage,
  ) {
    const { items, total } = await new ContractRepository(this.app.db).list(
      identity.organizationId,
      filters,
      sort,
      page,
    );
    return { contracts: items.map(contractView), total };
  }

  async get(identity: Identity, contractId: string) {
    const contract = await new ContractRepository(this.app.db).find(
      identity.organizationId,
      resourceId(contractId),
    );
    if (!contract) throw new AppError("NOT_FOUND");
    return contractView(contract);
  }

  /**
   * Creates a contract, with its first document when one was uploaded (its type checked before
   * anything is stored). The title defaults to the file name.
   */
  async create(
    identity: Identity,
    fields: Omit<ContractFields, "title"> & { title?: string },
    file?: UploadedFile,
  ) {
    const organizationId = identity.organizationId;
    const document = file ? await this.documents.accept(file) : undefined;
    const title = fields.title ?? document?.filename;
    if (!title) {
      throw new AppError("VALIDATION_ERROR", "Invalid body", [
        { path: "body.title", message: "is required" },
      ]);
    }
    const id = randomUUID();
    const next = document ? this.documents.newVersion(organizationId, id) : undefined;
    let version: DocumentVersionRecord | undefined;
    let contract: ContractRecord;
    try {
      contract = await this.app.db.transaction().execute(async (trx) => {
        const contracts = new ContractRepository(trx);
        await contracts.insert(organizationId, id, { ...fields, title });
        if (document && next) {
          version = await this.documents.storeVersion(trx, organizationId, id, document, next);
        }
        const created = (await contracts.find(organizationId, id))!;
        await emit(trx, "contract.created", organizationId, { contract: contractView(created) });
        return created;
      });
    } catch (error) {
      if (next) await this.documents.discardStored(next);
      throw error;
    }
    this.app.kickRelay();
    if (version) {
      await this.documents.afterUpload(organizationId, version);
      contract = (await new ContractRepository(this.app.db).find(organizationId, id)) ?? contract;
    }
    return contractView(contract);
  }

  async update(identity: Identity, contractId: string, changes: Partial<ContractFields>) {
    const id = resourceId(contractId);
    const organizationId = identity.organizationId;
    const contract = await this.app.db.transaction().execute(async (trx) => {
      const contracts = new ContractRepository(trx);
      if (!(await contracts.lock(organizationId, id))) throw new AppError("NOT_FOUND");
      const before = (await contracts.find(organizationId, id))!;
      const effectiveDate =
        changes.effectiveDate !== undefined ? changes.effectiveDate : before.effectiveDate;
      const endDate = changes.endDate !== undefined ? changes.endDate : before.endDate;
      if (effectiveDate && endDate && endDate < effectiveDate) {
        throw new AppError("VALIDATION_ERROR", "Invalid body", [
          { path: "body.endDate", message: "must not be before effectiveDate" },
        ]);
      }
      await contracts.update(organizationId, id, changes);
      const after = (await contracts.find(organizationId, id))!;
      await emit(trx, "contract.updated", organizationId, {
        contract: contractView(after),
        changed: Object.keys(changes).sort(),
      });
      return after;
    });
    this.app.kickRelay();
    return contractView(contract);
  }

  /**
   * Deletes a contract with its versions and key dates; its scheduled reminders are cancelled
   * (they stay listed), and its files go after the commit.
   */
  async delete(identity: Identity, contractId: string) {
    const id = resourceId(contractId);
    const organizationId = identity.organizationId;
    const { blobKeys, cancelled, title } = await this.app.db.transaction().execute(async (trx) => {
      const contracts = new ContractRepository(trx);
      if (!(await contracts.lock(organizationId, id))) throw new AppError("NOT_FOUND");
      const contract = (await contracts.find(organizationId, id))!;
      const reminders = new ReminderRepository(trx);
      const scheduled = await reminders.scheduledForContract(organizationId, id);
      const cancelled = await reminders.cancel(
        organizationId,
        scheduled.map((r) => r.id),
        this.app.clock(),
      );
      const blobKeys = await new DocumentRepository(trx).blobKeys(organizationId, id);
      await contracts.delete(organizationId, id);
      await emit(trx, "contract.deleted", organizationId, {
        contract: { id, title: contract.title },
      });
      return { blobKeys, cancelled, title: contract.title };
    });
    this.app.kickRelay();
    await Promise.all(cancelled.map((r) => this.app.reminderQueue.unschedule(r)));
    for (const key of blobKeys) {
      await this.app.blobs
        .delete(key)
        .catch((error: unknown) =>
          this.app.logger.warn({ err: error, key, title }, "document blob not deleted"),
        );
    }
    return { id, deleted: true as const };
  }
}
