import { sql, type Kysely } from "kysely";

/**
 * Stored answers to POST requests that carried an Idempotency-Key, in a service's own schema:
 * one row per organization and key, in flight while status_code is null, replayed for 24 hours.
 * Created by one migration per service.
 */
export async function createIdempotencyKeysTable(
  db: Kysely<unknown>,
  schema: string,
): Promise<void> {
  const table = sql.id(schema, "idempotency_keys");
  await sql`
    create table ${table} (
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
    create index idempotency_keys_expires_at on ${table} (expires_at);
  `.execute(db);
}

export async function dropIdempotencyKeysTable(db: Kysely<unknown>, schema: string): Promise<void> {
  await sql`drop table ${sql.id(schema, "idempotency_keys")}`.execute(db);
}
