import { sql, type Kysely } from "kysely";

/**
 * Accounts (one per organization: plan, current period, the allowance left in it), credit
 * packs, reservations and the append-only ledger. The balance columns are kept in the same
 * transaction as the ledger rows that explain them, under the account's row lock.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table credits.accounts (
      organization_id uuid primary key,
      plan text not null,
      anchor_day smallint not null check (anchor_day between 1 and 31),
      period_start date not null,
      period_end date not null check (period_end > period_start),
      period_allowance integer not null check (period_allowance >= 0),
      allowance_balance integer not null check (allowance_balance >= 0),
      low_notified_period date,
      exhausted_notified_period date,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index accounts_period_end on credits.accounts (period_end);

    create table credits.credit_packs (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references credits.accounts (organization_id),
      size integer not null check (size > 0),
      remaining integer not null check (remaining >= 0 and remaining <= size),
      purchased_by text,
      purchased_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create index credit_packs_live on credits.credit_packs (organization_id, purchased_at, id)
      where remaining > 0;
    create index credit_packs_expiring on credits.credit_packs (expires_at) where remaining > 0;

    create table credits.reservations (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references credits.accounts (organization_id),
      idempotency_key text not null,
      amount integer not null check (amount > 0),
      operation text not null,
      resource_id text not null,
      status text not null check (status in ('pending', 'captured', 'released', 'expired')),
      period_start date not null,
      allowance_amount integer not null check (allowance_amount >= 0),
      pack_allocations jsonb not null default '[]',
      expires_at timestamptz not null,
      created_at timestamptz not null default now(),
      captured_at timestamptz,
      released_at timestamptz,
      unique (organization_id, idempotency_key)
    );
    create index reservations_pending_expiry on credits.reservations (expires_at)
      where status = 'pending';

    create table credits.ledger_entries (
      id uuid primary key default gen_random_uuid(),
      seq bigint generated always as identity,
      organization_id uuid not null references credits.accounts (organization_id),
      kind text not null check (
        kind in ('grant', 'reserve', 'capture', 'release', 'expire', 'pack_purchase', 'plan_change')
      ),
      amount integer not null check (amount >= 0),
      balance_change integer not null,
      bucket text check (bucket in ('allowance', 'pack')),
      pack_id uuid references credits.credit_packs (id),
      period_start date,
      reservation_id uuid references credits.reservations (id),
      operation text,
      resource_id text,
      actor text,
      metadata jsonb not null default '{}',
      created_at timestamptz not null default now(),
      check (kind = 'capture' or bucket is not null),
      check ((bucket = 'pack') = (pack_id is not null)),
      check (bucket is distinct from 'allowance' or period_start is not null)
    );
    -- The rollover's exactly-once guarantee: one allowance grant per organization and period.
    create unique index ledger_one_grant_per_period on credits.ledger_entries
      (organization_id, period_start) where kind = 'grant';
    create index ledger_entries_by_org on credits.ledger_entries (organization_id, seq desc);

    create function credits.ledger_is_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'credits.ledger_entries is append-only';
    end;
    $$;
    create trigger ledger_entries_append_only before update or delete on credits.ledger_entries
      for each row execute function credits.ledger_is_append_only();
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table credits.ledger_entries;
    drop function credits.ledger_is_append_only();
    drop table credits.reservations;
    drop table credits.credit_packs;
    drop table credits.accounts;
  `.execute(db);
}
