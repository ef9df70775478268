import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { sql } from "kysely";
import type { Identity } from "@clment/auth";
import type { SignedUp } from "./harness.js";
import { createWebhook, startWebhookTestbed, type WebhookTestbed } from "./webhook-support.js";

describe("webhook subscriptions", () => {
  let testbed: WebhookTestbed;
  let owner: SignedUp;
  let admin: Identity;
  let member: Identity;
  let apiKey: Identity;
  let other: SignedUp;
  const url = "http://127.0.0.1:9/hooks";

  beforeAll(async () => {
    testbed = await startWebhookTestbed();
    const { settings } = testbed;
    owner = await settings.signup();
    admin = (await settings.addMember(owner.identity, "admin")).identity;
    member = (await settings.addMember(owner.identity, "member")).identity;
    apiKey = (await settings.createApiKey(owner.identity)).identity;
    other = await settings.signup();
  });
  afterAll(async () => {
    await testbed?.close();
  });

  const request = (method: string, path: string, as: Identity, body?: unknown) =>
    testbed.settings.request(method, path, { as, body });

  it("creates a webhook and shows its whsec_ secret once, never in later answers", async () => {
    const created = await request("POST", "/v1/settings/webhooks", owner.identity, {
      url,
      events: ["contract.created", "review.completed", "contract.created"],
      description: "  CRM sync ",
    });
    expect(created.status).toBe(201);
    const { webhook, secret } = created.body.data;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice("whsec_".length), "base64").length).toBeGreaterThanOrEqual(24);
    expect(webhook).toEqual({
      id: expect.any(String),
      url,
      description: "CRM sync",
      events: ["contract.created", "review.completed"],
      enabled: true,
      disabledReason: null,
      disabledAt: null,
      previousSecretExpiresAt: null,
      failingSince: null,
      createdBy: owner.user.id,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });

    const encoded = secret.slice("whsec_".length);
    const answers = [
      await request("GET", `/v1/settings/webhooks/${webhook.id}`, owner.identity),
      await request("GET", "/v1/settings/webhooks", owner.identity),
      await request("PATCH", `/v1/settings/webhooks/${webhook.id}`, owner.identity, {
        description: "CRM",
      }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain(encoded);
      expect(answer.text).not.toMatch(/secret_?ciphertext|"secret"/i);
    }
    expect(answers[0]!.body.data.webhook).toEqual({ ...webhook, updatedAt: expect.any(String) });
    expect(answers[1]!.body.data.webhooks).toContainEqual(webhook);
    expect(answers[2]!.body.data.webhook).toEqual({
      ...webhook,
      description: "CRM",
      updatedAt: expect.any(String),
    });
  });

  it("stores the secret encrypted (AES-256-GCM), never in clear", async () => {
    const { id, secret } = await createWebhook(testbed.settings, owner.identity, {
      url,
      events: ["contract.created"],
    });
    const { rows } = await sql<{ row: string }>`
      select row_to_json(e)::text as row from webhook_endpoints e where id = ${id}
    `.execute(testbed.settings.db);
    const stored = rows[0]!.row;
    expect(stored).not.toContain(secret.slice("whsec_".length));
    expect(stored).not.toContain(Buffer.from(secret).toString("base64"));
    expect(stored).not.toContain(Buffer.from(secret).toString("hex"));
    expect(JSON.parse(stored).secret_ciphertext).toMatch(/^v2:[\w-]+:[^:]+:[^:]+:[^:]+$/);
  });

  it("refuses bad bodies with 400 and details", async () => {
    const cases: [unknown, string][] = [
      [{ events: ["contract.created"] }, "body.url"],
      [{ url }, "body.events"],
      [{ url, events: [] }, "body.events"],
      [{ url, events: ["contract.exploded"] }, "body.events.0"],
      [{ url, events: ["webhook.test"] }, "body.events.0"],
      [{ url: "ftp://example.com/x", events: ["contract.created"] }, "body.url"],
      [{ url: "not a url", events: ["contract.created"] }, "body.url"],
      [{ url: "http://user:pw@127.0.0.1/x", events: ["contract.created"] }, "body.url"],
      [{ url, events: ["contract.created"], secret: "whsec_mine" }, "body"],
    ];
    for (const [body, path] of cases) {
      const response = await request("POST", "/v1/settings/webhooks", owner.identity, body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_ERROR");
      expect(response.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const { id } = await createWebhook(testbed.settings, owner.identity, {
      url,
      events: ["contract.created"],
    });
    for (const body of [{}, { enabled: "yes" }, { url: "gopher://x" }, { events: ["nope"] }]) {
      const response = await request("PATCH", `/v1/settings/webhooks/${id}`, owner.identity, body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_ERROR");
    }
  });

  it("lets owners and admins in; a member gets 403 FORBIDDEN and an API key 403 API_KEY_FORBIDDEN", async () => {
    const { id } = await createWebhook(testbed.settings, admin, {
      url,
      events: ["contract.created"],
    });
    const delivery = randomUUID();
    const routes: [string, string, unknown?][] = [
      ["GET", "/v1/settings/webhooks"],
      ["POST", "/v1/settings/webhooks", { url, events: ["contract.created"] }],
      ["GET", `/v1/settings/webhooks/${id}`],
      ["PATCH", `/v1/settings/webhooks/${id}`, { enabled: false }],
      ["DELETE", `/v1/settings/webhooks/${id}`],
      ["POST", `/v1/settings/webhooks/${id}/rotate-secret`],
      ["POST", `/v1/settings/webhooks/${id}/test`],
      ["GET", `/v1/settings/webhooks/${id}/deliveries`],
      ["GET", `/v1/settings/webhooks/${id}/deliveries/${delivery}`],
      ["POST", `/v1/settings/webhooks/${id}/deliveries/${delivery}/redeliver`],
    ];
    for (const [method, path, body] of routes) {
      const asMember = await request(method, path, member, body);
      expect([method, path, asMember.status, asMember.body.error.code]).toEqual([
        method,
        path,
        403,
        "FORBIDDEN",
      ]);
      const asKey = await request(method, path, apiKey, body);
      expect([method, path, asKey.status, asKey.body.error.code]).toEqual([
        method,
        path,
        403,
        "API_KEY_FORBIDDEN",
      ]);
    }
    const stillThere = await request("GET", `/v1/settings/webhooks/${id}`, owner.identity);
    expect(stillThere.body.data.webhook.enabled).toBe(true);
  });

  it("answers 404 for another organization's webhook, an unknown id or a non-UUID", async () => {
    const { id } = await createWebhook(testbed.settings, owner.identity, {
      url,
      events: ["contract.created"],
    });
    const paths = [
      ["GET", `/v1/settings/webhooks/${id}`],
      ["PATCH", `/v1/settings/webhooks/${id}`, { enabled: false }],
      ["DELETE", `/v1/settings/webhooks/${id}`],
      ["POST", `/v1/settings/webhooks/${id}/rotate-secret`],
      ["POST", `/v1/settings/webhooks/${id}/test`],
      ["GET", `/v1/settings/webhooks/${id}/deliveries`],
    ] as const;
    for (const [method, path, body] of paths) {
      const response = await request(method, path, other.identity, body);
      expect([path, response.status, response.body.error.code]).toEqual([path, 404, "NOT_FOUND"]);
    }
    for (const path of [
      `/v1/settings/webhooks/${randomUUID()}`,
      "/v1/settings/webhooks/not-a-uuid",
      `/v1/settings/webhooks/${id}/deliveries/not-a-uuid`,
      `/v1/settings/webhooks/${id}/deliveries/${randomUUID()}`,
    ]) {
      const response = await request("GET", path, owner.identity);
      expect([path, response.status]).toEqual([path, 404]);
    }
    const redeliver = await request(
      "POST",
      `/v1/settings/webhooks/${id}/deliveries/${randomUUID()}/redeliver`,
      owner.identity,
    );
    expect(redeliver.status).toBe(404);
    const theirs = await request("GET", "/v1/settings/webhooks", other.identity);
    expect(theirs.body.data).toEqual({ webhooks: [], total: 0 });
  });

  it("updates url, events and enabled; disabling by hand says so, enabling clears it", async () => {
    const { id } = await createWebhook(testbed.settings, owner.identity, {
      url,
      events: ["contract.created"],
    });
    const patch = (body: unknown) =>
      request("PATCH", `/v1/settings/webhooks/${id}`, owner.identity, body);
    const changed = await patch({ url: "http://127.0.0.1:10/v2", events: ["credits.low"] });
    expect(changed.status).toBe(200);
    expect(changed.body.data.webhook).toMatchObject({
      url: "http://127.0.0.1:10/v2",
      events: ["credits.low"],
    });
    const disabled = await patch({ enabled: false });
    expect(disabled.body.data.webhook).toMatchObject({
      enabled: false,
      disabledReason: "manual",
      disabledAt: expect.any(String),
    });
    const test = await request("POST", `/v1/settings/webhooks/${id}/test`, owner.identity);
    expect(test.status).toBe(409);
    expect(test.body.error.code).toBe("CONFLICT");
    const enabled = await patch({ enabled: true });
    expect(enabled.body.data.webhook).toMatchObject({
      enabled: true,
      disabledReason: null,
      disabledAt: null,
    });
  });

  it("deletes a webhook: 200 with deleted, then 404", async () => {
    const { id } = await createWebhook(testbed.settings, owner.identity, {
      url,
      events: ["contract.created"],
    });
    const deleted = await request("DELETE", `/v1/settings/webhooks/${id}`, owner.identity);
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toEqual({ id, deleted: true });
    const again = await request("DELETE", `/v1/settings/webhooks/${id}`, owner.identity);
    expect(again.status).toBe(404);
    expect((await request("GET", `/v1/settings/webhooks/${id}`, owner.identity)).status).toBe(404);
  });

  it("rotates the secret: a new one shown once, the previous one kept for 24 hours", async () => {
    const { id, secret } = await createWebhook(testbed.settings, owner.identity, {
      url,
      events: ["contract.created"],
    });
    const before = Date.now();
    const rotated = await request(
      "POST",
      `/v1/settings/webhooks/${id}/rotate-secret`,
      owner.identity,
    );
    expect(rotated.status).toBe(200);
    const { webhook, secret: next } = rotated.body.data;
    expect(next).toMatch(/^whsec_/);
    expect(next).not.toBe(secret);
    const overlapMs = Date.parse(webhook.previousSecretExpiresAt) - before;
    expect(overlapMs).toBeGreaterThan(23.9 * 3_600_000);
    expect(overlapMs).toBeLessThanOrEqual(24 * 3_600_000 + 60_000);
    const shown = await request("GET", `/v1/settings/webhooks/${id}`, owner.identity);
    expect(shown.text).not.toContain(next.slice("whsec_".length));
  });

  describe("a retried request with the same Idempotency-Key never shows the secret again", () => {
    /** What the idempotency layer kept for an organization's keys, bodies as text. */
    async function kept(organizationId: string) {
      const { rows } = await sql<{ key: string; status: number | null; body: string | null }>`
        select key, status_code as status, convert_from(response_body, 'UTF8') as body
        from idempotency_keys where organization_id = ${organizationId} order by created_at
      `.execute(testbed.settings.db);
      return rows;
    }

    function post(as: Identity, path: string, key: string, body?: unknown) {
      return testbed.settings.request("POST", path, {
        as,
        body,
        headers: { "Idempotency-Key": key },
      });
    }

    it("on create: the retry is 409 CONFLICT without the secret, and no second webhook", async () => {
      const mine = await testbed.settings.signup();
      const key = randomUUID();
      const body = { url, events: ["contract.created"] };
      const created = await post(mine.identity, "/v1/settings/webhooks", key, body);
      expect(created.status).toBe(201);
      expect(created.headers.get("cache-control")).toBe("no-store");
      const { secret } = created.body.data;
      const encoded = (secret as string).slice("whsec_".length);

      const retried = await post(mine.identity, "/v1/settings/webhooks", key, body);
      expect(retried.status).toBe(409);
      expect(retried.body.error).toMatchObject({
        code: "CONFLICT",
        message: expect.stringMatching(/already succeeded; its response held a secret/),
      });
      expect(retried.headers.get("idempotent-replayed")).toBeNull();
      expect(retried.text).not.toContain(encoded);
      const list = await request("GET", "/v1/settings/webhooks", mine.identity);
      expect(list.body.data.total).toBe(1);

      expect(await kept(mine.organization.id)).toEqual([{ key, status: 201, body: null }]);
    });

    it("on rotate-secret: the retry is 409 CONFLICT without the new secret", async () => {
      const mine = await testbed.settings.signup();
      const { id } = await createWebhook(testbed.settings, mine.identity, {
        url,
        events: ["contract.created"],
      });
      const key = randomUUID();
      const path = `/v1/settings/webhooks/${id}/rotate-secret`;
      const rotated = await post(mine.identity, path, key);
      expect(rotated.status).toBe(200);
      expect(rotated.headers.get("cache-control")).toBe("no-store");
      const encoded = (rotated.body.data.secret as string).slice("whsec_".length);

      const retried = await post(mine.identity, path, key);
      expect(retried.status).toBe(409);
      expect(retried.body.error.code).toBe("CONFLICT");
      expect(retried.text).not.toContain(encoded);

      const rows = await kept(mine.organization.id);
      expect(rows).toEqual([{ key, status: 200, body: null }]);
      expect(JSON.stringify(rows)).not.toContain("whsec_");
    });
  });

  it("paginates the list (take 1..100) with a total, newest first", async () => {
    const mine = await testbed.settings.signup();
    for (let i = 0; i < 3; i++) {
      await createWebhook(testbed.settings, mine.identity, {
        url: `${url}/${i}`,
        events: ["contract.created"],
      });
    }
    const page = await request("GET", "/v1/settings/webhooks?take=2&skip=0", mine.identity);
    expect(page.body.data.total).toBe(3);
    expect(page.body.data.webhooks.map((w: { url: string }) => w.url)).toEqual([
      `${url}/2`,
      `${url}/1`,
    ]);
    for (const query of ["take=101", "take=0", "skip=-1", "sort=url"]) {
      const response = await request("GET", `/v1/settings/webhooks?${query}`, mine.identity);
      expect([query, response.status]).toEqual([query, 400]);
    }
  });

  it("files every change in the audit log, with the request id", async () => {
    const mine = await testbed.settings.signup();
    const { id } = await createWebhook(testbed.settings, mine.identity, {
      url,
      events: ["contract.created"],
    });
    const moved = `${url.replace(/\/$/, "")}/moved`;
    const patched = await request("PATCH", `/v1/settings/webhooks/${id}`, mine.identity, {
      url: moved,
    });
    expect(patched.status).toBe(200);
    await request("PATCH", `/v1/settings/webhooks/${id}`, mine.identity, { enabled: false });
    await request("POST", `/v1/settings/webhooks/${id}/rotate-secret`, mine.identity);
    await testbed.settings.request("DELETE", `/v1/settings/webhooks/${id}`, {
      as: mine.identity,
      headers: { "x-request-id": "req-webhook-delete" },
    });
    const log = await request("GET", "/v1/settings/audit-log", mine.identity);
    const entries = log.body.data.entries.filter(
      (e: { target: { type: string } | null }) => e.target?.type === "webhook",
    );
    expect(entries.map((e: { action: string }) => e.action)).toEqual([
      "webhook.deleted",
      "webhook.secret_rotated",
      "webhook.updated",
      "webhook.updated",
      "webhook.created",
    ]);
    // Where the events go is on record: the old and the new address.
    expect(entries[3].metadata).toEqual({ changed: ["url"], url: { from: url, to: moved } });
    expect(entries[2].metadata).toEqual({ changed: ["enabled"] });
    expect(entries[0]).toMatchObject({
      actor: { type: "user", id: mine.user.id },
      target: { type: "webhook", id },
      requestId: "req-webhook-delete",
    });
  });
});
