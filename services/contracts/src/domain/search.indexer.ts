import type { Kysely } from "kysely";
import type { ContractsApp } from "../app.js";
import { ContractRepository } from "../data/contract.repository.js";
import type { DB } from "../data/db.js";
import { DocumentRepository } from "../data/document.repository.js";
import { SearchRepository } from "../data/search.repository.js";

/**
 * Keeps the workspace search index in step with contracts. Event handlers call it; it reads
 * the contract as it is now, so events arriving twice or out of order still leave the right
 * entry behind.
 */
export class SearchIndexer {
  constructor(private readonly app: ContractsApp) {}

  async reindexContract(trx: Kysely<DB>, organizationId: string, contractId: string) {
    const search = new SearchRepository(trx);
    const contract = await new ContractRepository(trx).find(organizationId, contractId);
    if (!contract) {
      await search.removeContract(organizationId, contractId);
      return;
    }
    const text =
      contract.document?.extraction === "completed"
        ? await new DocumentRepository(trx).text(organizationId, contract.document.versionId)
        : null;
    await search.upsert(organizationId, {
      type: "contract",
      resourceId: contract.id,
      contractId: contract.id,
      title: contract.title,
      keywords: [contract.counterparty ?? "", ...contract.tags].filter(Boolean).join(" "),
      body: (text ?? "").slice(0, this.app.settings.maxIndexedTextChars),
    });
  }

  async removeContract(trx: Kysely<DB>, organizationId: string, contractId: string) {
    await new SearchRepository(trx).removeContract(organizationId, contractId);
  }
}
