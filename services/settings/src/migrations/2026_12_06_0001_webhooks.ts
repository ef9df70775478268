import { sql, type Kysely } from "kysely";

/**
 * Webhook endpoints (subscriptions), one delivery per event and endpoint, and every attempt of
 * a delivery. Endpoint secrets are stored encrypted (AES-256-GCM, `v1:<iv>:<tag>:<ciphertext>`),
 * never in clear. A delivery is the source of truth for its schedule: `next_attempt_at` says when
 * it is due, whatever the queue in Redis still holds.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table settings.webhook_endpoints (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references settings.organizations (id) on delete cascade,
      url text not null check (length(url) <= 2048),
      description text not null default '',
      events text[] not null check (cardinality(events) > 0),
      enabled boolean not null default true,
      disabled_reason text check (disabled_reason in ('manual', 'gone', 'failing')),
      disabled_at timestamptz,
      secret_ciphertext text not null,
      previous_secret_ciphertext text,
      previous_secret_expires_at timestamptz,
      -- The first failed attempt since the last success; null while healthy.
      failing_since timestamptz,
      created_by uuid not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (enabled = (disabled_reason is null))
    );
    create index webhook_endpoints_organization
      on settings.webhook_endpoints (organization_id, created_at desc, id desc);

    create table settings.webhook_deliveries (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      endpoint_id uuid not null references settings.webhook_endpoints (id) on delete cascade,
      -- The event's id: the webhook-id header and the body's id, stable across retries.
      event_id uuid not null,
      event_type text not null,
      event_created_at timestamptz not null,
      -- The exact bytes sent (and signed) on every attempt.
      body text not null,
      status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
      attempt_count integer not null default 0,
      -- Position in the retry schedule of the current round (a redelivery starts a new round).
      retry_index integer not null default 0,
      -- Bumped whenever a new attempt is scheduled; a queued job names the one it was made for.
      job_seq integer not null default 0,
      next_attempt_at timestamptz,
      locked_until timestamptz,
      last_attempt_at timestamptz,
      last_status_code integer,
      last_duration_ms integer,
      last_error text,
      last_response_excerpt text,
      delivered_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (endpoint_id, event_id)
    );
    create index webhook_deliveries_endpoint
      on settings.webhook_deliveries (endpoint_id, created_at desc, id desc);
    create index webhook_deliveries_due
      on settings.webhook_deliveries (next_attempt_at) where status = 'pending';
    create index webhook_deliveries_event on settings.webhook_deliveries (event_id);

    create table settings.webhook_attempts (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      delivery_id uuid not null references settings.webhook_deliveries (id) on delete cascade,
      attempt integer not null,
      trigger text not null check (trigger in ('event', 'retry', 'redeliver', 'test')),
      started_at timestamptz not null,
      duration_ms integer not null,
      status_code integer,
      error text,
      response_excerpt text,
      unique (delivery_id, attempt)
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table settings.webhook_attempts;
    drop table settings.webhook_deliveries;
    drop table settings.webhook_endpoints;
  `.execute(db);
}
