import { sql, type Kysely } from "kysely";

/** Playbooks, reviews and findings, redlines and conversions of the review schema. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table review.playbooks (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      name text not null,
      description text not null default '',
      built_in boolean not null default false,
      rules jsonb not null default '[]',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index playbooks_org_created on review.playbooks (organization_id, created_at desc, id desc);
    -- One built-in playbook per organization, however often organization.created arrives.
    create unique index playbooks_one_built_in on review.playbooks (organization_id) where built_in;

    create table review.reviews (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      contract_id uuid not null,
      playbook_id uuid not null,
      playbook_name text not null,
      rules jsonb not null,
      status text not null default 'queued'
        check (status in ('queued', 'running', 'completed', 'failed')),
      provider text not null,
      model text,
      document_version integer,
      summary jsonb,
      error text,
      credits integer not null default 0,
      reservation_id text,
      charged_at timestamptz,
      released_at timestamptz,
      prompt_tokens integer,
      completion_tokens integer,
      total_tokens integer,
      attempts integer not null default 0,
      created_by jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      started_at timestamptz,
      completed_at timestamptz
    );
    create index reviews_org_created on review.reviews (organization_id, created_at desc, id desc);
    create index reviews_org_contract on review.reviews (organization_id, contract_id);

    create table review.findings (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      review_id uuid not null references review.reviews (id) on delete cascade,
      position integer not null,
      rule_id text not null,
      clause_type text not null,
      status text not null check (status in ('compliant', 'deviation', 'missing')),
      severity text not null check (severity in ('high', 'medium', 'low')),
      excerpt text not null,
      location_start integer not null,
      location_end integer not null,
      explanation text not null,
      suggestion text,
      details jsonb not null default '{}',
      created_at timestamptz not null default now(),
      unique (review_id, rule_id)
    );
    create index findings_org_review on review.findings (organization_id, review_id, position);

    create table review.redlines (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      review_id uuid not null references review.reviews (id) on delete cascade,
      contract_id uuid not null,
      status text not null default 'queued'
        check (status in ('queued', 'running', 'completed', 'failed')),
      changes integer,
      credits integer not null default 0,
      reservation_id text,
      charged_at timestamptz,
      released_at timestamptz,
      error text,
      filename text,
      size integer,
      sha256 text,
      content bytea,
      attempts integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      completed_at timestamptz
    );
    create index redlines_org_created on review.redlines (organization_id, created_at desc, id desc);

    create table review.conversions (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      contract_id uuid not null,
      format text not null check (format in ('pdf', 'docx', 'txt')),
      status text not null default 'queued'
        check (status in ('queued', 'running', 'completed', 'failed')),
      credits integer not null default 0,
      reservation_id text,
      charged_at timestamptz,
      released_at timestamptz,
      error text,
      source_version integer,
      filename text,
      mime_type text,
      size integer,
      sha256 text,
      content bytea,
      attempts integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      completed_at timestamptz
    );
    create index conversions_org_created on review.conversions (organization_id, created_at desc, id desc);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table review.conversions;
    drop table review.redlines;
    drop table review.findings;
    drop table review.reviews;
    drop table review.playbooks;
  `.execute(db);
}
