import { randomUUID } from "node:crypto";
import type { Identity } from "@clment/auth";
import { AppError } from "@clment/http";
import type { ReviewApp } from "../app.js";
import type { ContractInfo } from "../clients/contracts.client.js";
import {
  FindingRepository,
  type FindingFilters,
  type FindingSortField,
} from "../data/finding.repository.js";
import type { ListPage, SortOrder } from "../data/list.js";
import {
  ReviewRepository,
  type ReviewFilters,
  type ReviewRecord,
  type ReviewSortField,
} from "../data/review.repository.js";
import { resourceId } from "./ids.js";
import { queueMeteredWork } from "./metered-work.js";
import type { PlaybookService } from "./playbook.service.js";
import { findingView, reviewView, type FindingView, type ReviewView } from "./review.views.js";

/** A contract that can be worked on: it exists in the organization and has readable text. */
export async function reviewableContract(
  app: ReviewApp,
  identity: Identity,
  contractId: string,
): Promise<ContractInfo & { document: NonNullable<ContractInfo["document"]> }> {
  const id = resourceId(contractId, "Contract not found");
  const contract = await app.contracts.contract(identity.organizationId, id);
  if (!contract) throw new AppError("NOT_FOUND", "Contract not found");
  if (!contract.document) {
    throw new AppError("CONFLICT", "The contract has no document; upload one first");
  }
  if (contract.document.extraction === "failed") {
    throw new AppError("CONFLICT", "The text of the contract's document could not be extracted");
  }
  return contract as ContractInfo & { document: NonNullable<ContractInfo["document"]> };
}

function createdBy(identity: Identity) {
  return { type: identity.principal.type, id: identity.principal.id };
}

/** Reviews: a contract checked against a playbook by the region's review engine. */
export class ReviewService {
  constructor(
    private readonly app: ReviewApp,
    private readonly playbooks: PlaybookService,
  ) {}

  /** Queues a review: 404 for an unknown contract or playbook, 409 without a document, 402 when short. */
  async request(
    identity: Identity,
    contractId: string,
    input: { playbookId: string },
  ): Promise<ReviewView> {
    const playbook = await this.playbooks.find(identity, input.playbookId);
    const contract = await reviewableContract(this.app, identity, contractId);
    const id = randomUUID();
    const repository = new ReviewRepository(this.app.db);
    const record = await queueMeteredWork(this.app, {
      organizationId: identity.organizationId,
      operation: "review",
      id,
      record: ({ reservationId, amount }) =>
        repository.insert({
          id,
          organizationId: identity.organizationId,
          contractId: contract.id,
          playbookId: playbook.id,
          playbookName: playbook.name,
          rules: playbook.rules,
          provider: this.app.provider.name,
          documentVersion: contract.document.version,
          credits: amount,
          reservationId,
          createdBy: createdBy(identity),
        }),
      abandon: async (reason) => {
        await repository.fail(identity.organizationId, id, reason);
      },
    });
    return reviewView(record);
  }

  async list(
    identity: Identity,
    filters: ReviewFilters,
    sort: SortOrder<ReviewSortField>,
    page: ListPage,
  ): Promise<{ reviews: ReviewView[]; total: number }> {
    const { items, total } = await new ReviewRepository(this.app.db).list(
      identity.organizationId,
      filters,
      sort,
      page,
    );
    return { reviews: items.map(reviewView), total };
  }

  async get(identity: Identity, id: string): Promise<ReviewView> {
    return reviewView(await this.find(identity, id));
  }

  async find(identity: Identity, id: string): Promise<ReviewRecord> {
    const review = await new ReviewRepository(this.app.db).find(
      identity.organizationId,
      resourceId(id, "Review not found"),
    );
    if (!review) throw new AppError("NOT_FOUND", "Review not found");
    return review;
  }

  async findings(
    identity: Identity,
    reviewId: string,
    filters: FindingFilters,
    sort: SortOrder<FindingSortField>,
    page: ListPage,
  ): Promise<{ findings: FindingView[]; total: number }> {
    const review = await this.find(identity, reviewId);
    const { items, total } = await new FindingRepository(this.app.db).list(
      identity.organizationId,
      review.id,
      filters,
      sort,
      page,
    );
    return { findings: items.map(findingView), total };
  }
}
