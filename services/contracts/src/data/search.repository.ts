import { sql, type Kysely, type RawBuilder } from "kysely";
import type { DB } from "./db.js";
import type { ListPage } from "./list.js";
import { phrasePairsFilter } from "./search.phrase-filter.js";

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

  /**
   * Serializes the index writes about one resource (e.g. a contract and the findings under it)
   * until the transaction ends, so a removal and a late write never interleave.
   */
  async lock(resourceId: string): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`search:${resourceId}`}, 0))`.execute(
      this.db,
    );
  }

  /**
   * Adds or replaces a resource's entry. With `sourceVersion` (the resource's `updatedAt`), an
   * older snapshot than the one indexed is ignored; a removed resource stays removed.
   */
  async upsert(
    organizationId: string,
    entry: SearchEntry,
    sourceVersion: Date | null = null,
  ): Promise<void> {
    if (await this.isRemoved(organizationId, entry.type, entry.resourceId)) return;
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
        source_version: sourceVersion,
      })
      .onConflict((oc) =>
        oc
          .columns(["organization_id", "type", "resource_id"])
          .doUpdateSet({
            contract_id: (eb) => eb.ref("excluded.contract_id"),
            title: (eb) => eb.ref("excluded.title"),
            keywords: (eb) => eb.ref("excluded.keywords"),
            body: (eb) => eb.ref("excluded.body"),
            source_version: (eb) => eb.ref("excluded.source_version"),
            updated_at: sql<Date>`now()`,
          })
          .where(
            sql<boolean>`search_documents.source_version is null
              or excluded.source_version is null
              or search_documents.source_version <= excluded.source_version`,
          ),
      )
      .execute();
  }

  /** Removes a resource's entry for good: later writes about it are ignored. */
  async remove(organizationId: string, type: SearchType, resourceId: string): Promise<void> {
    await this.db
      .insertInto("search_tombstones")
      .values({ organization_id: organizationId, type, resource_id: resourceId })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await this.db
      .deleteFrom("search_documents")
      .where("organization_id", "=", organizationId)
      .where("type", "=", type)
      .where("resource_id", "=", resourceId)
      .execute();
  }

  private async isRemoved(organizationId: string, type: SearchType, resourceId: string) {
    const row = await this.db
      .selectFrom("search_tombstones")
      .select("resource_id")
      .where("organization_id", "=", organizationId)
      .where("type", "=", type)
      .where("resource_id", "=", resourceId)
      .executeTakeFirst();
    return row !== undefined;
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
   * vectors, `ts_rank` for order (ties by id), `ts_headline` only for the page that is returned.
   *
   * Scope: every vector starts with the lexemes `'org <id>'` and `'type <type>'`, which text
   * cannot produce (see migration `2026_12_13_0001_search_scope`), so the GIN index gives this
   * organization's matches of these types only. Every step also checks `organization_id` and
   * `type` on the rows, so nothing depends on the lexemes alone.
   *
   * Bounded work however common the words:
   * - The total is counted exactly up to COUNT_CAP matches (from the GIN index); past that it
   *   is the planner's estimate from the column statistics, and `totalIsExact` is false.
   * - Phrases are checked on positions only for the rows that have the phrase's word pairs
   *   (the `search_documents_pairs` index), not for every row with all its words.
   * - Ranking reads full vectors only for one fixed set of candidates: the HEAD_CANDIDATES best
   *   title-and-keyword matches (ranked on the small, in-line head vector, among the first
   *   HEAD_SCAN of them) and the first BODY_CANDIDATES matches. Up to BODY_CANDIDATES matches
   *   the order is exact; past it, title and keyword matches (which outrank body-only ones)
   *   still come first, and the rest are ranked among a sample. Each candidate's full vector is
   *   read from TOAST, so these bounds are what keeps a common word cheap.
   * - The set does not depend on the page asked for, so pages are cut from one order; they go
   *   SEARCH_DEPTH deep (the caller refuses more), which the set always fills.
   * - `ts_headline` reads the bodies of the returned page only.
   */
  async search(
    organizationId: string,
    query: string,
    types: readonly SearchType[],
    page: ListPage,
  ): Promise<{ items: SearchHit[]; total: number; totalIsExact: boolean }> {
    const hex = organizationHex(organizationId);
    const scope = scopeQuery(hex, types);
    return this.db.transaction().execute(async (trx) => {
      const parsed = await sql<{ empty: boolean; text: string }>`
        select numnode(q) = 0 as empty, q::text as text
        from websearch_to_tsquery('english', ${query}) as q
      `.execute(trx);
      const text = parsed.rows[0]?.text ?? "";
      // Only stop words (or nothing searchable): nothing matches.
      if (parsed.rows[0]?.empty !== false) return { items: [], total: 0, totalIsExact: true };
      // With a phrase: the rows come from the pairs index, and are checked on positions
      // (`ts_match_vq` is `@@` as a function, which the planner cannot take to the other index).
      const phrasePairs = phrasePairsFilter(text);
      const matches = phrasePairs
        ? sql`contracts.search_pairs(s.search_vector) @@ ${`${phrasePairs} & ${scopePairs(hex, types)}`}::tsquery
            and ts_match_vq(s.search_vector, ${text}::tsquery && ${scope}::tsquery)`
        : sql`s.search_vector @@ (${text}::tsquery && ${scope}::tsquery)`;
      // The rows a vector index gives, checked for the organization and types. `offset 0` keeps
      // the check out of the index scan: the planner would otherwise take the btree of
      // (organization_id, type) for a small organization, and read every one of its vectors.
      const scoped = (columns: RawBuilder<unknown>, condition: RawBuilder<unknown>) => sql`
        (select ${columns}, s.organization_id, s.type from search_documents s, q
         where ${condition} offset 0) s
        where s.organization_id = ${organizationId} and s.type = any(${types}::text[])
      `;
      const q = sql`q as (select ${text}::tsquery as text, ${scope}::tsquery as scope)`;
      // The planner underestimates reading a vector per row; the index is always cheaper here.
      await sql`set local enable_seqscan = off`.execute(trx);
      // The candidates are the first matches in index order: one process reads them, so the
      // same rows come each time.
      await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
      const counted = await sql<{ total: number }>`
        with ${q}
        select count(*)::int as total from (
          select 1 from ${scoped(sql`s.id`, matches)} limit ${COUNT_CAP + 1}
        ) m
      `.execute(trx);
      let total = counted.rows[0]?.total ?? 0;
      const totalIsExact = total <= COUNT_CAP;
      if (!totalIsExact) {
        // The scope lexemes already narrow the estimate to the organization and types.
        const plan = await sql<{ "QUERY PLAN": [{ Plan: { "Plan Rows": number } }] }>`
          explain (format json) select 1 from search_documents s where ${matches}
        `.execute(trx);
        const estimate = Math.round(plan.rows[0]?.["QUERY PLAN"][0]?.Plan["Plan Rows"] ?? 0);
        total = Math.max(estimate, COUNT_CAP + 1);
      }
      if (total === 0 || page.skip >= total) return { items: [], total, totalIsExact };
      const result = await sql<{
        type: SearchType;
        resource_id: string;
        contract_id: string | null;
        title: string;
        score: number;
        snippet: string;
      }>`
        with ${q},
        head_matches as (
          select s.id, s.head_vector
          from ${scoped(sql`s.id, s.head_vector`, sql`s.head_vector @@ (q.text && q.scope)`)}
          limit ${HEAD_SCAN}
        ),
        head as (
          select h.id from head_matches h, q
          order by ts_rank(h.head_vector, q.text) desc, h.id
          limit ${HEAD_CANDIDATES}
        ),
        body as (
          select s.id from ${scoped(sql`s.id`, matches)}
          limit ${BODY_CANDIDATES}
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
        totalIsExact,
      };
    });
  }
}

/** Up to how many matches the total is counted exactly. */
const COUNT_CAP = 1_000;
/** How many title-and-keyword matches are ranked on the head vector (read in index order). */
const HEAD_SCAN = 1_000;
/** How many of the best title-and-keyword matches, and how many other matches, are ranked in full. */
const HEAD_CANDIDATES = 100;
const BODY_CANDIDATES = 200;
/**
 * How deep the results can be paged (`skip + take`): the candidates always fill it (the first
 * BODY_CANDIDATES matches are among them), so every page up to it comes from one fixed order.
 */
export const SEARCH_DEPTH = BODY_CANDIDATES;
/** How much of a body `ts_headline` reads for the snippet. */
const SNIPPET_SOURCE_CHARS = 30_000;

function organizationHex(organizationId: string): string {
  const hex = organizationId.toLowerCase().replaceAll("-", "");
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error("organization id is not a UUID");
  return hex;
}

/**
 * The organization and types as a tsquery over the scope lexemes every vector starts with
 * (`'org <hex>':1 'type <type>':2`, see the migration `2026_12_13_0001_search_scope`). Built only
 * from a UUID's hex digits and the fixed type names.
 */
function scopeQuery(hex: string, types: readonly SearchType[]): string {
  const org = `'org ${hex}'`;
  const all = SEARCH_TYPES.every((t) => types.includes(t));
  if (all) return org;
  return `${org} & (${types.map((t) => `'type ${t}'`).join(" | ")})`;
}

/**
 * The same scope for the pairs index: the organization and type lexemes are positions 1 and 2
 * of every vector, so it holds the pair `'org <hex> 1 type <type>'`.
 */
function scopePairs(hex: string, types: readonly SearchType[]): string {
  return `(${types.map((t) => `'org ${hex} 1 type ${t}'`).join(" | ")})`;
}
