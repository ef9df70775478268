import { sql, type Kysely } from "kysely";

/**
 * Members provisioned by single sign-on are active without a password (password login then
 * fails for them like a wrong password), so the "active members have a password" rule becomes
 * "invited members have none".
 *
 * Single sign-on logins under way: one row per `GET /v1/auth/sso/start`, consumed (deleted) by
 * its callback. The state is stored as a SHA-256 hash; the nonce and PKCE code verifier never
 * leave the service. Rows expire after ten minutes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    do $$
    declare found text;
    begin
      select conname into strict found from pg_constraint
      where conrelid = 'settings.users'::regclass and contype = 'c'
        and pg_get_constraintdef(oid) like '%password_hash%';
      execute format('alter table settings.users drop constraint %I', found);
    end $$;
    alter table settings.users add constraint users_invited_without_password_check
      check (status = 'active' or password_hash is null);

    create table settings.sso_logins (
      state_hash text primary key,
      organization_id uuid not null references settings.organizations (id) on delete cascade,
      nonce text not null,
      code_verifier text not null,
      expires_at timestamptz not null,
      created_at timestamptz not null default now()
    );
    create index sso_logins_expires_at_idx on settings.sso_logins (expires_at);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table settings.sso_logins;
    alter table settings.users drop constraint users_invited_without_password_check;
    alter table settings.users add constraint users_check
      check ((status = 'active') = (password_hash is not null));
  `.execute(db);
}
