import { sql, type Kysely } from "kysely";

/**
 * Scope lexemes nobody can write. Every search vector starts with the organization and the type
 * of its row, so the GIN index alone answers "this organization's matches of these types". They
 * were the words `org<hex id>` and `type<type>`, which indexed text can contain too: `english`
 * turns `org<hex id>` in a title into exactly that lexeme, so another organization's rows could
 * carry a victim's scope, count in its totals and fill its candidate lists. Now they are
 * `'org <hex id>'` and `'type <type>'`: a lexeme made from text never holds a space (the parser
 * splits on it), so only these columns can produce them. Same positions (1 and 2), so the pairs
 * index holds `'org <hex id> 1 type <type>'` as before. The type gets a check, as it is spliced
 * into the vector's literal. The vectors are generated columns, which Postgres 15 cannot
 * redefine: they are dropped (with their indexes) and added again, with their storage in the
 * same statement so the one rewrite of the table already lays them out as before.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table contracts.search_documents
      add constraint search_documents_type check (type in ('contract', 'playbook', 'finding'));
    alter table contracts.search_documents drop column search_vector, drop column head_vector;
    alter table contracts.search_documents
      add column search_vector tsvector generated always as (
        ('''org ' || replace(organization_id::text, '-', '') || ''':1 ''type ' || type || ''':2')::tsvector ||
        setweight(to_tsvector('english'::regconfig, title), 'A') ||
        setweight(to_tsvector('english'::regconfig, keywords), 'B') ||
        setweight(to_tsvector('english'::regconfig, body), 'C')
      ) stored,
      add column head_vector tsvector generated always as (
        ('''org ' || replace(organization_id::text, '-', '') || ''':1 ''type ' || type || ''':2')::tsvector ||
        setweight(to_tsvector('english'::regconfig, title), 'A') ||
        setweight(to_tsvector('english'::regconfig, keywords), 'B')
      ) stored,
      ${VECTOR_STORAGE};
  `.execute(db);
  await createIndexes(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table contracts.search_documents drop column search_vector, drop column head_vector;
    alter table contracts.search_documents drop constraint search_documents_type;
    alter table contracts.search_documents
      add column search_vector tsvector generated always as (
        to_tsvector('simple'::regconfig,
          'org' || replace(organization_id::text, '-', '') || ' type' || type) ||
        setweight(to_tsvector('english'::regconfig, title), 'A') ||
        setweight(to_tsvector('english'::regconfig, keywords), 'B') ||
        setweight(to_tsvector('english'::regconfig, body), 'C')
      ) stored,
      add column head_vector tsvector generated always as (
        to_tsvector('simple'::regconfig,
          'org' || replace(organization_id::text, '-', '') || ' type' || type) ||
        setweight(to_tsvector('english'::regconfig, title), 'A') ||
        setweight(to_tsvector('english'::regconfig, keywords), 'B')
      ) stored,
      ${VECTOR_STORAGE};
  `.execute(db);
  await createIndexes(db);
}

/** As in `2026_12_04_0002_contracts`: the full vector out of line, the head vector in line. */
const VECTOR_STORAGE = sql`
  alter column search_vector set storage external,
  alter column head_vector set storage main
`;

/** As in `2026_12_04_0002_contracts` and `2026_12_06_0002_search_phrases`. */
async function createIndexes(db: Kysely<any>): Promise<void> {
  await sql`
    create index search_documents_vector on contracts.search_documents using gin (search_vector);
    create index search_documents_head on contracts.search_documents using gin (head_vector);
    create index search_documents_pairs on contracts.search_documents
      using gin (contracts.search_pairs(search_vector));
  `.execute(db);
}
