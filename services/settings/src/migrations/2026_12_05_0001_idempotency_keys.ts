import { sql, type Kysely } from "kysely";

/**
 * Stored answers to POST requests that carried an Idempotency-Key (see packages/idempotency):
 * one row per organization and key, in flight while status_code is null, replayed for 24 hours.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table settings.idempotency_keys (
      organization_id text not null,
      key text not null,
      request_hash text not null,
      method text not null,
      path text not null,
      lock_id uuid,
      locked_at timestamptz,
      status_code integer,
      content_type text,
      response_body bytea,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      primary key (organization_id, key)
    );
    create index idempotency_keys_expires_at on settings.idempotency_keys (expires_at);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table settings.idempotency_keys`.execute(db);
}
