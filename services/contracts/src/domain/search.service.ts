import type { Identity } from "@clment/auth";
import { AppError } from "@clment/http";
import type { ListPage } from "../data/list.js";
import { SEARCH_DEPTH, SearchRepository, type SearchType } from "../data/search.repository.js";
import type { ContractsApp } from "../app.js";

/** `GET /v1/search`: ranked results from the caller's organization only. */
export class SearchService {
  constructor(private readonly app: ContractsApp) {}

  async search(identity: Identity, query: string, types: readonly SearchType[], page: ListPage) {
    // Results are ranked among a bounded set of candidates: see SearchRepository.search.
    if (page.skip + page.take > SEARCH_DEPTH) {
      throw new AppError(
        "VALIDATION_ERROR",
        `Search results can be paged through the first ${SEARCH_DEPTH} only (skip + take at most ${SEARCH_DEPTH}); narrow the query to reach others`,
        [{ path: "query.skip", message: `skip + take must be at most ${SEARCH_DEPTH}` }],
      );
    }
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
