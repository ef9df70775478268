import { sql, type Kysely } from "kysely";

/**
 * Organizations, their users (members, invited or active), sessions, API keys, invites and the
 * audit log. Secrets (passwords, session tokens, API keys, invite tokens) are stored as hashes
 * only: argon2 for passwords, SHA-256 hex for the random tokens.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table settings.organizations (
      id uuid primary key default gen_random_uuid(),
      name text not null check (length(name) between 1 and 200),
      region text not null,
      timezone text not null default 'UTC',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    create table settings.users (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references settings.organizations (id) on delete cascade,
      email text not null check (email = lower(email)),
      name text not null,
      role text not null check (role in ('owner', 'admin', 'member')),
      status text not null check (status in ('invited', 'active')),
      password_hash text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      joined_at timestamptz,
      check ((status = 'active') = (password_hash is not null)),
      check ((status = 'active') = (joined_at is not null))
    );
    -- One account per email in the region, whatever the organization.
    create unique index users_email_key on settings.users (email);
    create index users_organization_created on settings.users (organization_id, created_at desc, id desc);

    create table settings.sessions (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references settings.organizations (id) on delete cascade,
      user_id uuid not null references settings.users (id) on delete cascade,
      token_hash text not null check (token_hash ~ '^[0-9a-f]{64}$'),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz
    );
    create unique index sessions_token_hash_key on settings.sessions (token_hash);
    create index sessions_user_active on settings.sessions (user_id) where revoked_at is null;

    create table settings.api_keys (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references settings.organizations (id) on delete cascade,
      label text not null check (length(label) between 1 and 100),
      prefix text not null,
      key_hash text not null check (key_hash ~ '^[0-9a-f]{64}$'),
      -- The user who created it; no foreign key, the key outlives a removed member.
      created_by uuid not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      expires_at timestamptz,
      revoked_at timestamptz
    );
    create unique index api_keys_key_hash_key on settings.api_keys (key_hash);
    create index api_keys_organization_created on settings.api_keys (organization_id, created_at desc, id desc);

    create table settings.invites (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references settings.organizations (id) on delete cascade,
      user_id uuid not null references settings.users (id) on delete cascade,
      token_hash text not null check (token_hash ~ '^[0-9a-f]{64}$'),
      created_by uuid not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      accepted_at timestamptz
    );
    create unique index invites_token_hash_key on settings.invites (token_hash);
    create index invites_user on settings.invites (user_id);

    create table settings.audit_log (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references settings.organizations (id) on delete cascade,
      action text not null,
      actor_type text not null,
      actor_id text not null,
      target_type text,
      target_id text,
      request_id text,
      metadata jsonb not null default '{}',
      created_at timestamptz not null default now(),
      check ((target_type is null) = (target_id is null))
    );
    create index audit_log_organization_created on settings.audit_log (organization_id, created_at desc, id desc);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table settings.audit_log;
    drop table settings.invites;
    drop table settings.api_keys;
    drop table settings.sessions;
    drop table settings.users;
    drop table settings.organizations;
  `.execute(db);
}
