import { sql, type Kysely } from "kysely";

/**
 * Contracts, their document versions, key dates and reminders, the local copy of each
 * organization's timezone, and the workspace search index.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table contracts.organizations (
      id uuid primary key,
      name text,
      timezone text not null default 'UTC',
      source_updated_at timestamptz not null
    );

    create table contracts.contracts (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      title text not null,
      status text not null default 'draft'
        check (status in ('draft', 'in_review', 'active', 'expired', 'terminated')),
      counterparty text,
      value_amount numeric(20, 4),
      value_currency text,
      effective_date date,
      end_date date,
      tags text[] not null default '{}',
      metadata jsonb not null default '{}',
      current_version_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((value_amount is null) = (value_currency is null))
    );
    create index contracts_org_created on contracts.contracts (organization_id, created_at desc, id desc);
    create index contracts_org_updated on contracts.contracts (organization_id, updated_at desc, id desc);
    create index contracts_tags on contracts.contracts using gin (tags);

    create table contracts.document_versions (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      contract_id uuid not null references contracts.contracts (id) on delete cascade,
      version integer not null,
      filename text not null,
      mime_type text not null,
      size bigint not null,
      sha256 text not null,
      blob_key text not null,
      extraction_status text not null default 'pending'
        check (extraction_status in ('pending', 'completed', 'failed')),
      extraction_error text,
      text text,
      text_sha256 text,
      created_at timestamptz not null default now(),
      unique (contract_id, version)
    );
    create index document_versions_org on contracts.document_versions (organization_id, contract_id);
    create index document_versions_pending on contracts.document_versions (created_at)
      where extraction_status = 'pending';
    alter table contracts.contracts
      add constraint contracts_current_version foreign key (current_version_id)
      references contracts.document_versions (id) on delete set null deferrable initially deferred;

    create table contracts.key_dates (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      contract_id uuid not null references contracts.contracts (id) on delete cascade,
      kind text not null
        check (kind in ('effective', 'renewal', 'expiration', 'notice', 'payment', 'custom')),
      date date not null,
      title text not null,
      description text,
      source text not null default 'manual' check (source in ('manual', 'extracted')),
      status text not null default 'confirmed' check (status in ('suggested', 'confirmed')),
      version_id uuid references contracts.document_versions (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index key_dates_org_created on contracts.key_dates (organization_id, created_at desc, id desc);
    create index key_dates_org_date on contracts.key_dates (organization_id, date, id);
    create index key_dates_contract on contracts.key_dates (contract_id);
    -- A date the document mentions is suggested once per contract and kind.
    create unique index key_dates_extracted_once on contracts.key_dates (contract_id, kind, date)
      where source = 'extracted';

    create table contracts.reminders (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      key_date_id uuid references contracts.key_dates (id) on delete set null,
      contract_id uuid references contracts.contracts (id) on delete set null,
      days_before integer not null check (days_before >= 0),
      channels text[] not null,
      recipients text[] not null default '{}',
      fire_at timestamptz not null,
      status text not null default 'scheduled' check (status in ('scheduled', 'sent', 'cancelled')),
      sent_at timestamptz,
      cancelled_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index reminders_org_created on contracts.reminders (organization_id, created_at desc, id desc);
    create index reminders_key_date on contracts.reminders (key_date_id);
    create index reminders_due on contracts.reminders (fire_at) where status = 'scheduled';

    -- The workspace search index: one row per searchable resource (contracts here; playbooks
    -- and findings from the review service's events). Each vector starts with two scope
    -- lexemes, "org<organization id>" and "type<type>", so the GIN index alone answers "this
    -- organization's matches of these types" (counting them never reads a row), then the
    -- weighted text: title A, keywords B, body C. head_vector is the small title-and-keywords
    -- part, ranked on its own to find the strongest matches among very many.
    create table contracts.search_documents (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      type text not null,
      resource_id uuid not null,
      contract_id uuid,
      title text not null,
      keywords text not null default '',
      body text not null default '',
      search_vector tsvector generated always as (
        to_tsvector('simple'::regconfig,
          'org' || replace(organization_id::text, '-', '') || ' type' || type) ||
        setweight(to_tsvector('english'::regconfig, title), 'A') ||
        setweight(to_tsvector('english'::regconfig, keywords), 'B') ||
        setweight(to_tsvector('english'::regconfig, body), 'C')
      ) stored,
      head_vector tsvector generated always as (
        to_tsvector('simple'::regconfig,
          'org' || replace(organization_id::text, '-', '') || ' type' || type) ||
        setweight(to_tsvector('english'::regconfig, title), 'A') ||
        setweight(to_tsvector('english'::regconfig, keywords), 'B')
      ) stored,
      updated_at timestamptz not null default now(),
      unique (organization_id, type, resource_id)
    );
    -- Rows stay narrow (the body and the full vector live out of line, uncompressed), so
    -- visiting every match to count it reads a few thousand pages, not the whole text.
    alter table contracts.search_documents
      alter column body set storage external,
      alter column search_vector set storage external,
      alter column head_vector set storage main,
      set (toast_tuple_target = 128);
    create index search_documents_vector on contracts.search_documents using gin (search_vector);
    create index search_documents_head on contracts.search_documents using gin (head_vector);
    create index search_documents_contract on contracts.search_documents (contract_id);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table contracts.search_documents;
    drop table contracts.reminders;
    drop table contracts.key_dates;
    alter table contracts.contracts drop constraint contracts_current_version;
    drop table contracts.document_versions;
    drop table contracts.contracts;
    drop table contracts.organizations;
  `.execute(db);
}
