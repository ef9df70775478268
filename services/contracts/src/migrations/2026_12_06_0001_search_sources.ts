import { sql, type Kysely } from "kysely";

/**
 * The search index also holds other services' resources (playbooks and findings of the review
 * service), fed by events that may arrive twice or out of order:
 * - `source_version` is the resource's own `updatedAt`; an older snapshot never overwrites a
 *   newer one.
 * - `search_tombstones` remembers removed resources (ids are never reused), so a late
 *   `created` or `updated` event cannot bring a deleted playbook back.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table contracts.search_documents add column source_version timestamptz;
    create table contracts.search_tombstones (
      organization_id uuid not null,
      type text not null,
      resource_id uuid not null,
      removed_at timestamptz not null default now(),
      primary key (organization_id, type, resource_id)
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table contracts.search_tombstones;
    alter table contracts.search_documents drop column source_version;
  `.execute(db);
}
