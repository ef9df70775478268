import type { Identity } from "@clment/auth";
import type { ListPage } from "../data/list.js";
import { SearchRepository, type SearchType } from "../data/search.repository.js";
import type { ContractsApp } from "../app.js";

/** `GET /v1/search`: ranked results from the caller's organization only. */
export class SearchService {
  constructor(private readonly app: ContractsApp) {}

  async search(identity: Identity, query: string, types: readonly SearchType[], page: ListPage) {
    const { items, total, totalIsExact } = await new SearchRepository(this.app.db).search(
      identity.organizationId,
      query,
      types,
      page,
    );
    return {
      results: items.map((hit) => ({
        type: hit.type,
        id: hit.id,
        title: hit.title,
        snippet: hit.snippet,
        score: hit.score,
        ...(hit.contractId ? { contractId: hit.contractId } : {}),
      })),
      total,
      // Only when `total` is an estimate (very common words): see SearchRepository.search.
      ...(totalIsExact ? {} : { totalIsExact: false }),
    };
  }
}
