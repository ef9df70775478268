import { sql, type Kysely } from "kysely";

/**
 * Phrase search without reading every candidate's vector. A phrase (`"limitation of
 * liability"`, i.e. `'limit' <2> 'liabil'`) is checked on word positions, which the GIN index
 * of `search_vector` does not hold: every row with all the words was read to recheck it (tens
 * of thousands of rows for common words). This index holds each pair of words of a vector that
 * are 1 to 3 positions apart, with their distance (`'limit 2 liabil'`), so the rows that have
 * every pair of a phrase come from the index alone, and only those are rechecked on positions.
 * Same results as before: a pair is a necessary condition of the phrase, the recheck decides.
 * (`search/phrase-filter.ts` builds the matching query; keep the two in step.)
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function contracts.search_pairs(v tsvector) returns tsvector
    language sql immutable strict parallel safe as $$
      with w as (select lexeme, unnest(positions) as pos from unnest(v))
      select coalesce(
        array_to_tsvector(array_agg(distinct a.lexeme || ' ' || d || ' ' || b.lexeme)),
        ''::tsvector)
      from w a cross join generate_series(1, 3) as d join w b on b.pos = a.pos + d
      where octet_length(a.lexeme) + octet_length(b.lexeme) <= 200
    $$;
    create index search_documents_pairs on contracts.search_documents
      using gin (contracts.search_pairs(search_vector));
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index contracts.search_documents_pairs;
    drop function contracts.search_pairs(tsvector);
  `.execute(db);
}
