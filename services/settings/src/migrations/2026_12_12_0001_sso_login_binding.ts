import { sql, type Kysely } from "kysely";

/**
 * Each single sign-on under way is bound to the browser that started it (login CSRF): the start
 * sets a random cookie and the row keeps its SHA-256; the callback is refused without it.
 * Logins started before this migration have no binding and could never complete: they go.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    delete from settings.sso_logins;
    alter table settings.sso_logins add column binding_hash text not null;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table settings.sso_logins drop column binding_hash;
  `.execute(db);
}
