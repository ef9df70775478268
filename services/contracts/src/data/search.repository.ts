import { sql, type Kysely } from "kysely";
import type { DB } from "./db.js";
import type { ListPage } from "./list.js";

export const SEARCH_TYPES = ["contract", "playbook", "finding"] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

/** What one resource contributes to the workspace search. */
export interface SearchEntry {
  type: SearchType;
  resourceId: string;
  contractId: string | null;
  /** Weighted highest. */
  title: string;
  /** Counterparty, tags, clause types: weighted above the body. */
  keywords: string;
  /** Full text (document text, descriptions); bounded by the caller. */
  body: string;
}

export interface SearchHit {
  type: SearchType;
  id: string;
  contractId: string | null;
  title: string;
  snippet: string;
  score: number;
}

export class SearchRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async upsert(organizationId: string, entry: SearchEntry): Promise<void> {
    await this.db
      .insertInto("search_documents")
      .values({
        organization_id: organizationId,
        type: entry.type,
        resource_id: entry.resourceId,
        contract_id: entry.contractId,
        title: entry.title,
        keywords: entry.keywords,
        body: entry.body,
      })
      .onConflict((oc) =>
        oc.columns(["organization_id", "type", "resource_id"]).doUpdateSet({
          contract_id: (eb) => eb.ref("excluded.contract_id"),
          title: (eb) => eb.ref("excluded.title"),
          keywords: (eb) => eb.ref("excluded.keywords"),
          body: (eb) => eb.ref("excluded.body"),
          updated_at: sql<Date>`now()`,
        }),
      )
      .execute();
  }

  async remove(organizationId: string, type: SearchType, resourceId: string): Promise<void> {
    await this.db
      .deleteFrom("search_documents")
      .where("organization_id", "=", organizationId)
      .where("type", "=", type)
      .where("resource_id", "=", resourceId)
      .execute();
  }

  /** Removes a contract's entry and everything indexed under it (e.g. its findings). */
  async removeContract(organizationId: string, contractId: string): Promise<void> {
    await this.db
      .deleteFrom("search_documents")
      .where("organization_id", "=", organizationId)
      .where((eb) =>
        eb.or([
          eb.and([eb("type", "=", "contract"), eb("resource_id", "=", contractId)]),
          eb("contract_id", "=", contractId),
        ]),
      )
      .execute();
  }

  /**
   * Ranked full-text search within one organization: `websearch_to_tsquery` over the weighted
   * vectors, `ts_rank` for order (ties by id, so pages are stable), `ts_headline` only for the
   * page that is returned.
   *
   * Bounded work however common the words: the total is counted from the GIN index alone (the
   * organization and types are lexemes of the vector). Ranking reads full vectors only for
   * candidates: the best title-and-keyword matches (ranked on the small head vector) and up to
   * BODY_CANDIDATES other matches. Up to that many matches the order is exact; past it, title
   * and keyword matches (which outrank body-only ones) still come first, and body-only matches
   * are ranked among a sample.
   */
  async search(
    organizationId: string,
    query: string,
    types: readonly SearchType[],
    page: ListPage,
  ): Promise<{ items: SearchHit[]; total: number }> {
    const scope = scopeQuery(organizationId, types);
    const window = page.skip + page.take;
    return this.db.transaction().execute(async (trx) => {
      const parsed = await sql<{ empty: boolean }>`
        select numnode(websearch_to_tsquery('english', ${query})) = 0 as empty
      `.execute(trx);
      // Only stop words (or nothing searchable): nothing matches.
      if (parsed.rows[0]?.empty) return { items: [], total: 0 };
      // The planner underestimates reading a vector per row; the index is always cheaper here.
      await sql`set local enable_seqscan = off`.execute(trx);
      const counted = await sql<{ total: number }>`
        select count(*)::int as total from search_documents
        where search_vector @@ (websearch_to_tsquery('english', ${query}) && ${scope}::tsquery)
      `.execute(trx);
      const total = counted.rows[0]?.total ?? 0;
      if (total === 0 || page.skip >= total) return { items: [], total };
      const result = await sql<{
        type: SearchType;
        resource_id: string;
        contract_id: string | null;
        title: string;
        score: number;
        snippet: string;
      }>`
        with q as (
          select websearch_to_tsquery('english', ${query}) as text, ${scope}::tsquery as scope
        ),
        head as (
          select s.id from search_documents s, q
          where s.head_vector @@ (q.text && q.scope)
          order by ts_rank(s.head_vector, q.text) desc
          limit ${Math.max(HEAD_CANDIDATES, window)}
        ),
        body as (
          select s.id from search_documents s, q
          where s.search_vector @@ (q.text && q.scope)
          limit ${Math.max(BODY_CANDIDATES, window)}
        ),
        candidates as (select id from head union select id from body),
        ranked as (
          select s.id, s.type, s.resource_id, s.contract_id, s.title,
                 ts_rank(s.search_vector, q.text) as score
          from candidates c join search_documents s on s.id = c.id, q
          where s.organization_id = ${organizationId}
          order by score desc, s.id
          offset ${page.skip} limit ${page.take}
        )
        select r.type, r.resource_id, r.contract_id, r.title, r.score,
               ts_headline('english',
                 case when s.body <> '' then left(s.body, ${SNIPPET_SOURCE_CHARS}) else s.keywords end,
                 q.text,
                 'MaxFragments=2, MinWords=8, MaxWords=24, FragmentDelimiter=" … ", StartSel="", StopSel=""'
               ) as snippet
        from ranked r join search_documents s on s.id = r.id, q
        order by r.score desc, r.id
      `.execute(trx);
      return {
        items: result.rows.map((r) => ({
          type: r.type,
          id: r.resource_id,
          contractId: r.contract_id,
          title: r.title,
          snippet: r.snippet.trim(),
          score: Math.round(Number(r.score) * 1e6) / 1e6,
        })),
        total,
      };
    });
  }
}

/** How many title-and-keyword matches, and how many other matches, are ranked in full. */
const HEAD_CANDIDATES = 500;
const BODY_CANDIDATES = 1_000;
/** How much of a body `ts_headline` reads for the snippet. */
const SNIPPET_SOURCE_CHARS = 30_000;

/**
 * The organization and types as a tsquery over the scope lexemes every vector starts with
 * (see the migration). Built only from a UUID's hex digits and the fixed type names.
 */
function scopeQuery(organizationId: string, types: readonly SearchType[]): string {
  const hex = organizationId.toLowerCase().replaceAll("-", "");
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error("organization id is not a UUID");
  const org = `'org${hex}'`;
  const all = SEARCH_TYPES.every((t) => types.includes(t));
  if (all) return org;
  return `${org} & (${types.map((t) => `'type${t}'`).join(" | ")})`;
}
