/**
 * Seeds a bench database with many contracts of one organization, each with a searchable
 * document text, using set-based SQL (generate_series), so 100,000 contracts take a minute or
 * so rather than an hour of API calls. Idempotent: a database already holding the contracts is
 * left alone.
 *
 *   node --import tsx bench/seed-contracts.ts [count]
 */
import { createDatabase, sql } from "@clment/db";
import { prepareBenchDatabase } from "./lib/stores.js";

export const BENCH_DATABASE = "clment_bench_contracts";
/** The organization every seeded contract belongs to (a fixed id, so a re-run finds them). */
export const BENCH_ORGANIZATION_ID = "00000000-0000-4000-8000-0000000000b1";

/**
 * Words of contract prose, most common first: text is drawn with a skew towards the start of
 * the list, so some words are in most documents and others in few, like real contracts.
 */
export const VOCABULARY = `
  the agreement party parties shall may services term this provider customer any with other
  such notice written terms under obligations rights including without limitation payment fees
  period date effective termination agree hereunder applicable law confidential information
  days business reasonable provide provided agreement's section schedule exhibit hereto thereof
  liability damages indirect consequential limited warranties warranty express implied
  merchantability fitness purpose indemnify indemnification defend hold harmless claims losses
  costs attorneys third governing jurisdiction courts exclusive venue dispute arbitration
  mediation assignment assign successor permitted consent unreasonably withheld delayed
  subcontractor subcontract personnel employees contractors representatives affiliates
  intellectual property ownership license licensed licensor licensee grant royalty perpetual
  revocable irrevocable worldwide transferable sublicensable deliverables work product invention
  data protection processing controller processor personal breach security incident audit
  records inspection compliance regulations export sanctions anti bribery corruption insurance
  coverage policy certificate insured premiums renewal renew renewed automatically successive
  expiration expire expires non renewal opt out invoice invoices invoiced net thirty sixty
  ninety interest late overdue dispute disputed suspend suspension force majeure act god
  pandemic strike embargo failure delay performance service level availability uptime credits
  remedy remedies sole exclusive cure material default insolvency bankruptcy receiver
  convenience survival entire amendment waiver severability counterparts electronic signature
  notices addressed delivered courier registered mail email relationship independent
  solicitation hire employ publicity announcement press trademark logo escrow source code
  acceptance testing milestone statement scope change order rate card expenses travel
  reimbursement taxes withholding vat sales use benchmark most favoured customer pricing
  discount volume tier minimum commitment true up overage forecast purchase order procurement
  warranty period defects repair replace refund maintenance support updates upgrades
  documentation training onboarding transition exit assistance return destruction certify
  retention backup disaster recovery continuity encryption access controls penetration
  vulnerability subprocessors transfer standard contractual clauses adequacy supervisory
  authority cooperation assistance notification hours undue
  aardvark basilisk chinchilla dromedary egret flamingo gazelle hedgehog ibex jackal kestrel
  lemur marmot narwhal ocelot pangolin quetzal raccoon salamander tapir urchin vicuna wombat
  xerus yak zebu albatross barracuda cormorant dingo echidna ferret gecko heron iguana jaguar
`
  .trim()
  .split(/\s+/);

const COUNTERPARTIES = [
  "Acme",
  "Globex",
  "Initech",
  "Umbrella",
  "Hooli",
  "Vandelay",
  "Stark",
  "Wayne",
  "Tyrell",
  "Cyberdyne",
  "Soylent",
  "Wonka",
];

export interface SeedResult {
  databaseUrl: string;
  organizationId: string;
  count: number;
  seededNow: number;
  seconds: number;
}

/** Makes sure the bench database has `count` contracts of the bench organization. */
export async function seedContracts(count = 100_000): Promise<SeedResult> {
  const started = Date.now();
  const databaseUrl = await prepareBenchDatabase(BENCH_DATABASE);
  const { db, close } = createDatabase<unknown>({ url: databaseUrl, schema: "contracts", max: 1 });
  try {
    const existing = await sql<{ n: number }>`
      select count(*)::int as n from contracts.search_documents
      where organization_id = ${BENCH_ORGANIZATION_ID} and type = 'contract'
    `.execute(db);
    const have = existing.rows[0]?.n ?? 0;
    if (have >= count) {
      return {
        databaseUrl,
        organizationId: BENCH_ORGANIZATION_ID,
        count: have,
        seededNow: 0,
        seconds: 0,
      };
    }
    await sql`delete from contracts.search_documents where organization_id = ${BENCH_ORGANIZATION_ID}`.execute(
      db,
    );
    await sql`delete from contracts.contracts where organization_id = ${BENCH_ORGANIZATION_ID}`.execute(
      db,
    );
    // Batches keep each statement's memory small and show progress.
    const batch = 20_000;
    for (let from = 1; from <= count; from += batch) {
      const to = Math.min(count, from + batch - 1);
      await sql`
        with vocabulary as (select ${VOCABULARY}::text[] as words),
        parties as (select ${COUNTERPARTIES}::text[] as names),
        rows as (
          select n, gen_random_uuid() as id,
                 (select names[1 + (n % array_length(names, 1))] from parties) || ' ' ||
                   (array['Inc.', 'GmbH', 'Ltd', 'LLC', 'SA'])[1 + (n / 7) % 5] as counterparty
          from generate_series(${from}::int, ${to}::int) as n
        ),
        inserted as (
          insert into contracts.contracts
            (id, organization_id, title, status, counterparty, tags, created_at, updated_at)
          select id, ${BENCH_ORGANIZATION_ID}::uuid,
                 (array['Master services agreement', 'Non-disclosure agreement', 'Order form',
                        'Data processing agreement', 'Software license', 'Lease'])[1 + n % 6]
                   || ' #' || n,
                 (array['draft', 'in_review', 'active', 'expired', 'terminated'])[1 + n % 5],
                 counterparty,
                 array[(array['sales', 'vendor', 'hr', 'legal', 'emea', 'apac'])[1 + n % 6]],
                 now() - make_interval(secs => n), now() - make_interval(secs => n)
          from rows
          returning id, title, counterparty, tags
        )
        insert into contracts.search_documents
          (organization_id, type, resource_id, contract_id, title, keywords, body)
        select ${BENCH_ORGANIZATION_ID}::uuid, 'contract', i.id, i.id, i.title,
               i.counterparty || ' ' || array_to_string(i.tags, ' '),
               (select string_agg(
                         words[1 + floor(array_length(words, 1) * power(random(), 2.5))::int],
                         ' ')
                  from vocabulary, generate_series(1, 120 + (hashtext(i.id::text) & 127)) as w
                 where w > 0 and i.id is not null)
        from inserted i
      `.execute(db);
      console.log(`  seeded ${to.toLocaleString()} / ${count.toLocaleString()} contracts`);
    }
    await sql`vacuum analyze contracts.search_documents`.execute(db);
    await sql`vacuum analyze contracts.contracts`.execute(db);
    return {
      databaseUrl,
      organizationId: BENCH_ORGANIZATION_ID,
      count,
      seededNow: count,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await seedContracts(Number(process.argv[2] ?? 100_000));
  console.log(result);
}
