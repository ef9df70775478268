import type { Kysely } from "kysely";
import type { FindingSnapshot, PlaybookSnapshot } from "@clment/queue";
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
    await search.lock(contractId);
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
    const search = new SearchRepository(trx);
    await search.lock(contractId);
    await search.removeContract(organizationId, contractId);
  }

  /** A playbook of the review service: found by its name, rules and description. */
  async indexPlaybook(trx: Kysely<DB>, organizationId: string, playbook: PlaybookSnapshot) {
    const search = new SearchRepository(trx);
    await search.lock(playbook.id);
    await search.upsert(
      organizationId,
      {
        type: "playbook",
        resourceId: playbook.id,
        contractId: null,
        title: playbook.name,
        keywords: playbook.rules.map((rule) => rule.title).join(" "),
        body: playbook.description,
      },
      new Date(playbook.updatedAt),
    );
  }

  async removePlaybook(trx: Kysely<DB>, organizationId: string, playbookId: string) {
    const search = new SearchRepository(trx);
    await search.lock(playbookId);
    await search.remove(organizationId, "playbook", playbookId);
  }

  /**
   * A finding of a review: found by its rule, clause type, the excerpt of the contract and the
   * explanation. Indexed under its contract, so it goes when the contract goes (and a finding
   * of a contract deleted meanwhile is not indexed at all).
   */
  async indexFinding(trx: Kysely<DB>, organizationId: string, finding: FindingSnapshot) {
    const search = new SearchRepository(trx);
    await search.lock(finding.contractId);
    const contract = await new ContractRepository(trx).find(organizationId, finding.contractId);
    if (!contract) return;
    await search.upsert(organizationId, {
      type: "finding",
      resourceId: finding.id,
      contractId: finding.contractId,
      title: finding.ruleTitle,
      keywords: [finding.clauseType.replaceAll("_", " "), finding.severity, finding.status].join(
        " ",
      ),
      body: [finding.excerpt, finding.explanation].filter(Boolean).join("\n\n"),
    });
  }
}
