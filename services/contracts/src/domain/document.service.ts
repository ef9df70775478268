import { createHash, randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { Kysely } from "kysely";
import type { Identity } from "@clment/auth";
import { AppError } from "@clment/http";
import type { ContractsApp } from "../app.js";
import { ContractRepository } from "../data/contract.repository.js";
import type { DB } from "../data/db.js";
import { DocumentRepository, type DocumentVersionRecord } from "../data/document.repository.js";
import { KeyDateRepository } from "../data/key-date.repository.js";
import type { ListPage } from "../data/list.js";
import { contractView, documentView, versionView } from "./contract.views.js";
import { inspectDocument, type InspectedDocument } from "./document.inspector.js";
import { emit } from "./events.js";
import { resourceId } from "./ids.js";
import { findKeyDates } from "./key-date.extractor.js";
import { extractText, kindOfMimeType, UnreadableDocumentError } from "./text-extraction.js";
import type { UploadedFile } from "./uploaded-file.js";

/** An upload that passed inspection: its type decided by content, its name settled. */
export interface AcceptedDocument {
  file: UploadedFile;
  type: InspectedDocument;
  filename: string;
}

/** A version's id and blob key, chosen before its transaction. */
export interface NewVersion {
  id: string;
  blobKey: string;
}

export interface DocumentDownload {
  filename: string;
  mimeType: string;
  size: number;
  sha256: string;
  body: Readable;
}

/** Documents and their versions: upload, download, text, and extraction of the text. */
export class DocumentService {
  constructor(private readonly app: ContractsApp) {}

  /** Checks an upload's content; 415 or 400 before anything is stored. */
  async accept(file: UploadedFile): Promise<AcceptedDocument> {
    const type = await inspectDocument(file.path, file.size);
    const filename = file.filename || `document.${type.extension}`;
    return { file, type, filename };
  }

  /**
   * Names a version before it is stored: the caller's transaction stores it with `storeVersion`,
   * and if that transaction fails, `discardStored` removes whatever of it reached the store.
   */
  newVersion(organizationId: string, contractId: string): NewVersion {
    const id = randomUUID();
    return { id, blobKey: `${organizationId}/${contractId}/${id}` };
  }

  /**
   * Stores an accepted document as the contract's next version, inside the caller's transaction
   * (the contract row locked). The file goes into the blob store first, so it is there once the
   * row commits.
   */
  async storeVersion(
    trx: Kysely<DB>,
    organizationId: string,
    contractId: string,
    document: AcceptedDocument,
    { id: versionId, blobKey }: NewVersion,
  ): Promise<DocumentVersionRecord> {
    await this.app.blobs.putFile(blobKey, document.file.path);
    const version = await new DocumentRepository(trx).insertNext(organizationId, {
      id: versionId,
      contractId,
      filename: document.filename,
      mimeType: document.type.mimeType,
      size: document.file.size,
      sha256: document.file.sha256,
      blobKey,
    });
    await new ContractRepository(trx).setCurrentVersion(organizationId, contractId, versionId);
    await emit(trx, "document.uploaded", organizationId, {
      contractId,
      document: documentView({ ...version, versionId: version.id, uploadedAt: version.createdAt }),
    });
    return version;
  }

  /** `PUT /v1/contracts/:id/document`: a new version; the earlier ones stay listed. */
  async addVersion(identity: Identity, contractId: string, file: UploadedFile) {
    const id = resourceId(contractId);
    const organizationId = identity.organizationId;
    // 404 before the content is inspected: another organization's id reveals nothing.
    if (!(await new ContractRepository(this.app.db).find(organizationId, id))) {
      throw new AppError("NOT_FOUND");
    }
    const document = await this.accept(file);
    const next = this.newVersion(organizationId, id);
    let stored: DocumentVersionRecord;
    try {
      stored = await this.app.db.transaction().execute(async (trx) => {
        const contracts = new ContractRepository(trx);
        if (!(await contracts.lock(organizationId, id))) throw new AppError("NOT_FOUND");
        const version = await this.storeVersion(trx, organizationId, id, document, next);
        const contract = await contracts.find(organizationId, id);
        await emit(trx, "contract.updated", organizationId, {
          contract: contractView(contract!),
          changed: ["document"],
        });
        return version;
      });
    } catch (error) {
      await this.discardStored(next);
      throw error;
    }
    this.app.kickRelay();
    const version = await this.afterUpload(organizationId, stored);
    const contract = await new ContractRepository(this.app.db).find(organizationId, id);
    if (!contract) throw new AppError("NOT_FOUND");
    return { contract: contractView(contract), version: versionView(version) };
  }

  /** Removes the file of a version whose transaction failed; a file never stored is no error. */
  async discardStored(version: NewVersion): Promise<void> {
    await this.app.blobs.delete(version.blobKey).catch((error: unknown) => {
      this.app.logger.error(
        { err: error, blobKey: version.blobKey },
        "could not remove the file of a failed upload",
      );
    });
  }

  /**
   * After a version committed: small documents are extracted now, so the answer already has
   * their text; larger ones are queued by the `document.uploaded` event. The upload stands
   * whatever happens here: if the extraction fails, the version is answered with its extraction
   * pending, and the sweep queues it again (a 500 would invite a retry, and a second version).
   */
  async afterUpload(
    organizationId: string,
    version: DocumentVersionRecord,
  ): Promise<DocumentVersionRecord> {
    if (version.size > this.app.settings.inlineExtractionMaxBytes) return version;
    try {
      await this.extract(organizationId, version.id);
      return (
        (await new DocumentRepository(this.app.db).find(organizationId, version.id)) ?? version
      );
    } catch (error) {
      this.app.logger.warn(
        { err: error, organizationId, versionId: version.id },
        "inline extraction failed; the sweep will retry it",
      );
      return version;
    }
  }

  async versions(
    identity: Identity,
    contractId: string,
    sort: { descending: boolean },
    page: ListPage,
  ) {
    const id = resourceId(contractId);
    const organizationId = identity.organizationId;
    if (!(await new ContractRepository(this.app.db).find(organizationId, id))) {
      throw new AppError("NOT_FOUND");
    }
    const { items, total } = await new DocumentRepository(this.app.db).list(
      organizationId,
      id,
      sort,
      page,
    );
    return { versions: items.map(versionView), total };
  }

  /** The current document's original bytes. */
  async download(identity: Identity, contractId: string): Promise<DocumentDownload> {
    const id = resourceId(contractId);
    const contract = await new ContractRepository(this.app.db).find(identity.organizationId, id);
    if (!contract) throw new AppError("NOT_FOUND");
    if (!contract.document) throw new AppError("NOT_FOUND", "This contract has no document");
    const { document } = contract;
    let body: Readable;
    try {
      body = await this.app.blobs.read(document.blobKey);
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") {
        this.app.logger.error(
          { contractId: id, blobKey: document.blobKey },
          "document blob missing",
        );
      }
      throw error;
    }
    return {
      filename: document.filename,
      mimeType: document.mimeType,
      size: document.size,
      sha256: document.sha256,
      body,
    };
  }

  /** The current document's extracted text. */
  async text(identity: Identity, contractId: string): Promise<string> {
    const id = resourceId(contractId);
    const organizationId = identity.organizationId;
    const contract = await new ContractRepository(this.app.db).find(organizationId, id);
    if (!contract) throw new AppError("NOT_FOUND");
    if (!contract.document) throw new AppError("NOT_FOUND", "This contract has no document");
    switch (contract.document.extraction) {
      case "pending":
        throw new AppError(
          "CONFLICT",
          "The document's text is still being extracted; retry shortly",
          undefined,
          { "Retry-After": "2" },
        );
      case "failed":
        throw new AppError("CONFLICT", "The document's text could not be extracted");
      case "completed":
        return (
          (await new DocumentRepository(this.app.db).text(
            organizationId,
            contract.document.versionId,
          )) ?? ""
        );
    }
  }

  /**
   * Extracts a version's text, stores it with its hash, offers the dates it mentions as key
   * dates, and announces `document.extracted`. Does nothing for a version already done, so a
   * retried or duplicate job is harmless. An unreadable document is recorded as failed (no retry
   * can help); anything else (a store away) rejects, for the job to retry.
   */
  async extract(organizationId: string, versionId: string): Promise<void> {
    const documents = new DocumentRepository(this.app.db);
    const version = await documents.find(organizationId, versionId);
    if (!version || version.extraction !== "pending") return;
    let outcome: { status: "completed"; text: string } | { status: "failed"; error: string };
    try {
      const data = await this.app.blobs.readAll(version.blobKey);
      outcome = {
        status: "completed",
        text: await extractText(kindOfMimeType(version.mimeType), data),
      };
    } catch (error) {
      if (!(error instanceof UnreadableDocumentError)) throw error;
      outcome = { status: "failed", error: error.message };
    }
    const done = await this.app.db.transaction().execute(async (trx) => {
      const finished = await new DocumentRepository(trx).finishExtraction(
        organizationId,
        versionId,
        outcome.status === "completed"
          ? {
              status: "completed",
              text: outcome.text,
              textSha256: createHash("sha256").update(outcome.text).digest("hex"),
            }
          : outcome,
      );
      if (!finished) return false;
      if (outcome.status === "completed") {
        await this.suggestKeyDates(trx, version, outcome.text);
      }
      await emit(trx, "document.extracted", organizationId, {
        contractId: version.contractId,
        versionId,
        version: version.version,
        status: outcome.status,
      });
      return true;
    });
    if (done) this.app.kickRelay();
  }

  /** Marks a version whose extraction job gave up for good as failed. */
  async giveUpExtraction(organizationId: string, versionId: string, reason: string): Promise<void> {
    await this.app.db.transaction().execute(async (trx) => {
      const version = await new DocumentRepository(trx).find(organizationId, versionId);
      if (!version) return;
      const finished = await new DocumentRepository(trx).finishExtraction(
        organizationId,
        versionId,
        {
          status: "failed",
          error: reason,
        },
      );
      if (!finished) return;
      await emit(trx, "document.extracted", organizationId, {
        contractId: version.contractId,
        versionId,
        version: version.version,
        status: "failed",
      });
    });
    this.app.kickRelay();
  }

  private async suggestKeyDates(trx: Kysely<DB>, version: DocumentVersionRecord, text: string) {
    const keyDates = new KeyDateRepository(trx);
    const current = await new ContractRepository(trx).find(
      version.organizationId,
      version.contractId,
    );
    // Only the current version's dates are offered; an older version finishing late offers none.
    if (current?.document?.versionId !== version.id) return;
    await keyDates.dropStaleSuggestions(version.organizationId, version.contractId, version.id);
    const found = findKeyDates(text, version.createdAt);
    await keyDates.insertSuggestions(
      version.organizationId,
      found.map((f) => ({
        contractId: version.contractId,
        kind: f.kind,
        date: f.date,
        title: f.title,
        description: f.excerpt,
        source: "extracted" as const,
        status: "suggested" as const,
        versionId: version.id,
      })),
    );
  }
}
