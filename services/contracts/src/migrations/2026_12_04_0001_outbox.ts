import { sql, type Kysely } from "kysely";

/** The transactional outbox and the consumed-event log of the contracts schema. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table contracts.outbox (
      id uuid primary key,
      type text not null,
      organization_id uuid,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      published_at timestamptz
    );
    create index outbox_unpublished on contracts.outbox (created_at) where published_at is null;
    create table contracts.processed_events (
      consumer text not null,
      event_id uuid not null,
      processed_at timestamptz not null default now(),
      primary key (consumer, event_id)
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table contracts.processed_events; drop table contracts.outbox;`.execute(db);
}
