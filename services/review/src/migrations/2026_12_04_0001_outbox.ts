import { sql, type Kysely } from "kysely";

/** The transactional outbox and the consumed-event log of the review schema. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table review.outbox (
      id uuid primary key,
      type text not null,
      organization_id uuid,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      published_at timestamptz
    );
    create index outbox_unpublished on review.outbox (created_at) where published_at is null;
    create table review.processed_events (
      consumer text not null,
      event_id uuid not null,
      processed_at timestamptz not null default now(),
      primary key (consumer, event_id)
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table review.processed_events; drop table review.outbox;`.execute(db);
}
