import { sql, type Kysely } from "kysely";

/**
 * Cloud storage integrations (one row per organization and provider) and the organization's
 * single sign-on (OIDC) configuration. Non-secret settings are plain JSON; every secret is stored
 * encrypted (AES-256-GCM, `v1:<iv>:<tag>:<ciphertext>`), never in clear.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table settings.integrations (
      organization_id uuid not null references settings.organizations (id) on delete cascade,
      provider text not null check (provider in ('s3', 'google_drive', 'sharepoint')),
      -- The non-secret fields of the provider's configuration.
      config jsonb not null,
      -- Secret field name -> ciphertext.
      secrets jsonb not null,
      updated_by uuid not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (organization_id, provider)
    );

    create table settings.sso_configs (
      organization_id uuid primary key references settings.organizations (id) on delete cascade,
      issuer text not null check (length(issuer) <= 2048),
      client_id text not null,
      client_secret_ciphertext text not null,
      enforced boolean not null default false,
      allowed_domains text[] not null default '{}',
      updated_by uuid not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table settings.sso_configs;
    drop table settings.integrations;
  `.execute(db);
}
