import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { sql, type Kysely } from "kysely";
import { purgeExpired, retentionRules } from "@clment/runtime";
import { waitFor } from "@clment/testing";
import { settingsService } from "../src/service.js";
import { SettingsHarness, type SignedUp } from "./harness.js";

let harness: SettingsHarness;
let db: Kysely<unknown>;
let owner: SignedUp;

beforeAll(async () => {
  harness = await SettingsHarness.start();
  db = harness.db as unknown as Kysely<unknown>;
  owner = await harness.signup();
});

afterAll(async () => {
  await harness?.close();
});

async function count(table: string, where = sql`true`): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from ${sql.table(table)} where ${where}
  `.execute(db);
  return Number(rows[0]!.n);
}

async function delivery(options: { status: string; ageDays: number }): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    insert into webhook_deliveries
      (organization_id, endpoint_id, event_id, event_type, event_created_at, body, status,
       created_at, updated_at)
    select ${owner.organization.id}, id, ${randomUUID()}, 'contract.created', now(), '{}',
       ${options.status}, now() - make_interval(days => ${options.ageDays}),
       now() - make_interval(days => ${options.ageDays})
    from webhook_endpoints where organization_id = ${owner.organization.id} limit 1
    returning id
  `.execute(db);
  const id = rows[0]!.id;
  await sql`
    insert into webhook_attempts
      (organization_id, delivery_id, attempt, trigger, started_at, duration_ms, status_code)
    values (${owner.organization.id}, ${id}, 1, 'event', now(), 12, 200)
  `.execute(db);
  return id;
}

describe("retention", () => {
  it("deletes what is past its retention and keeps everything else", async () => {
    await sql`
      insert into webhook_endpoints (organization_id, url, events, secret_ciphertext, created_by)
      values (${owner.organization.id}, 'https://example.com/hook', '{contract.created}', 'v1:x',
              ${owner.user.id})
    `.execute(db);
    const oldSucceeded = await delivery({ status: "succeeded", ageDays: 31 });
    const oldFailed = await delivery({ status: "failed", ageDays: 45 });
    const oldPending = await delivery({ status: "pending", ageDays: 60 });
    const recentSucceeded = await delivery({ status: "succeeded", ageDays: 2 });

    // Events: an old published one goes; an old unpublished one stays (the relay still owes it).
    await sql`
      update outbox set published_at = now() - interval '8 days' where organization_id = ${owner.organization.id}
    `.execute(db);
    const unpublished = randomUUID();
    await sql`
      insert into outbox (id, type, organization_id, payload, created_at)
      values (${unpublished}, 'organization.updated', ${owner.organization.id}, '{}', now() - interval '40 days')
    `.execute(db);
    await sql`
      insert into processed_events (consumer, event_id, processed_at) values
        ('settings', ${randomUUID()}, now() - interval '31 days'),
        ('settings', ${randomUUID()}, now() - interval '1 day')
    `.execute(db);
    await sql`
      insert into idempotency_keys (organization_id, key, request_hash, method, path, created_at, expires_at)
      values (${owner.organization.id}, 'old', 'h', 'POST', '/v1/x', now() - interval '2 days', now() - interval '1 day'),
             (${owner.organization.id}, 'fresh', 'h', 'POST', '/v1/x', now(), now() + interval '1 day')
    `.execute(db);
    // A second session of the owner, ended long ago; the sign-up's session is alive.
    const ended = await harness.request("POST", "/v1/auth/login", {
      body: { email: owner.user.email, password: "correct horse battery staple" },
    });
    expect(ended.status).toBe(200);
    await sql`
      update sessions set expires_at = now() - interval '31 days'
      where user_id = ${owner.user.id} and created_at = (select max(created_at) from sessions where user_id = ${owner.user.id})
    `.execute(db);
    await sql`
      insert into sso_logins
        (state_hash, organization_id, nonce, code_verifier, binding_hash, expires_at)
      values ('old-state', ${owner.organization.id}, 'n', 'v', 'b', now() - interval '1 minute'),
             ('live-state', ${owner.organization.id}, 'n', 'v', 'b', now() + interval '5 minutes')
    `.execute(db);

    const deleted = await purgeExpired(db, retentionRules(settingsService), 1);

    expect(deleted).toMatchObject({
      webhook_deliveries: 2,
      idempotency_keys: 1,
      processed_events: 1,
      sessions: 1,
      sso_logins: 1,
    });
    expect(deleted.outbox).toBeGreaterThan(0);
    const remaining = await sql<{ id: string }>`select id from webhook_deliveries`.execute(db);
    expect(remaining.rows.map((r) => r.id).sort()).toEqual([oldPending, recentSucceeded].sort());
    expect(
      await count("webhook_attempts", sql`delivery_id in (${sql.join([oldSucceeded, oldFailed])})`),
    ).toBe(0);
    expect(await count("outbox", sql`published_at < now() - interval '7 days'`)).toBe(0);
    expect(await count("outbox", sql`id = ${unpublished}`)).toBe(1);
    expect(await count("processed_events")).toBe(1);
    expect(await count("idempotency_keys")).toBe(1);
    expect(await count("sso_logins")).toBe(1);
    // The live session still works; a second pass finds nothing.
    expect((await harness.verify("session", owner.token)).status).toBe(200);
    const again = await purgeExpired(db, retentionRules(settingsService));
    expect(Object.values(again).every((n) => n === 0)).toBe(true);
  });

  it("deletes through an index, not a scan of the table", async () => {
    await sql`set enable_seqscan = off`.execute(db);
    try {
      const { rows } = await sql<{ "QUERY PLAN": string }>`
        explain select ctid from webhook_deliveries
        where status <> 'pending' and updated_at < now() - interval '30 days' limit 1000
      `.execute(db);
      expect(rows.map((r) => r["QUERY PLAN"]).join("\n")).toContain("webhook_deliveries_finished");
    } finally {
      await sql`reset enable_seqscan`.execute(db);
    }
  });
});

describe("retention in a running service", () => {
  it("runs by itself every RETENTION_INTERVAL_MS", async () => {
    const running = await SettingsHarness.start({ env: { RETENTION_INTERVAL_MS: "1000" } });
    try {
      const runningDb = running.db as unknown as Kysely<unknown>;
      await sql`
        insert into idempotency_keys (organization_id, key, request_hash, method, path, expires_at)
        values ('org', 'expired', 'h', 'POST', '/v1/x', now() - interval '1 second')
      `.execute(runningDb);
      await waitFor(
        async () => {
          const { rows } = await sql<{ n: string }>`
          select count(*) as n from idempotency_keys where key = 'expired'
        `.execute(runningDb);
          return Number(rows[0]!.n) === 0;
        },
        { message: "the expired key to be deleted by the retention timer" },
      );
    } finally {
      await running.close();
    }
  });
});
