import { sql, type Kysely } from "kysely";

/**
 * The organization's plan, as credits announces it (`plan.changed`): settings hands it to the
 * gateway with each verified credential, for the plan's rate limits. `plan_changed_at` is the
 * time of the event applied last, so an older event arriving late changes nothing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table settings.organizations
      add column plan text not null default 'starter',
      add column plan_changed_at timestamptz;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table settings.organizations drop column plan_changed_at, drop column plan;
  `.execute(db);
}
