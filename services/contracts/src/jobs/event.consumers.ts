import type { Kysely } from "kysely";
import type { EventHandlers } from "@clment/queue";
import type { ContractsApp } from "../app.js";
import type { DB } from "../data/db.js";
import { DocumentRepository } from "../data/document.repository.js";
import type { OrganizationService } from "../domain/organization.service.js";
import type { SearchIndexer } from "../domain/search.indexer.js";

/**
 * What the contracts service does with events (see EVENT_ROUTES): keeps its copy of each
 * organization's timezone, its search index (its contracts, the review service's playbooks and
 * findings), and queues extraction of large documents. Each
 * handler runs in the transaction that records the event as handled.
 */
export function contractsEventHandlers(
  app: ContractsApp,
  indexer: SearchIndexer,
  organizations: OrganizationService,
): EventHandlers {
  const db = (trx: Kysely<unknown>) => trx as unknown as Kysely<DB>;
  return {
    "organization.created": async (event, trx) => {
      await organizations.record(db(trx), event.data.organization, new Date(event.createdAt));
    },
    "organization.updated": async (event, trx) => {
      await organizations.record(db(trx), event.data.organization, new Date(event.createdAt));
    },
    "contract.created": async (event, trx) => {
      await indexer.reindexContract(db(trx), event.organizationId!, event.data.contract.id);
    },
    "contract.updated": async (event, trx) => {
      await indexer.reindexContract(db(trx), event.organizationId!, event.data.contract.id);
    },
    "contract.deleted": async (event, trx) => {
      await indexer.removeContract(db(trx), event.organizationId!, event.data.contract.id);
    },
    "document.uploaded": async (event, trx) => {
      const organizationId = event.organizationId!;
      const versionId = event.data.document.versionId;
      const version = await new DocumentRepository(db(trx)).find(organizationId, versionId);
      if (
        version?.extraction === "pending" &&
        version.size > app.settings.inlineExtractionMaxBytes
      ) {
        await app.extractionQueue.enqueue({ organizationId, versionId });
      }
    },
    "document.extracted": async (event, trx) => {
      await indexer.reindexContract(db(trx), event.organizationId!, event.data.contractId);
    },
    // The review service's playbooks and findings, for the workspace search.
    "playbook.created": async (event, trx) => {
      await indexer.indexPlaybook(db(trx), event.organizationId!, event.data.playbook);
    },
    "playbook.updated": async (event, trx) => {
      await indexer.indexPlaybook(db(trx), event.organizationId!, event.data.playbook);
    },
    "playbook.deleted": async (event, trx) => {
      await indexer.removePlaybook(db(trx), event.organizationId!, event.data.playbook.id);
    },
    "finding.created": async (event, trx) => {
      await indexer.indexFinding(db(trx), event.organizationId!, event.data.finding);
    },
  };
}
