import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import {
  credentialCacheKey,
  hashSecret,
  INTERNAL_ROUTES,
  INVALID_CREDENTIAL,
  serviceIdentity,
} from "@clment/auth";
import { REGION, SettingsHarness, type SignedUp } from "./harness.js";

describe("API keys", () => {
  let settings: SettingsHarness;
  let owner: SignedUp;
  beforeAll(async () => {
    settings = await SettingsHarness.start();
    owner = await settings.signup();
  });
  afterAll(async () => {
    await settings?.close();
  });

  const touch = (usages: { id: string; lastUsedAt: string }[]) =>
    settings.request("POST", INTERNAL_ROUTES.touchApiKeys, {
      as: serviceIdentity("gateway", REGION),
      body: { usages },
    });

  it("shows the secret once, lists the key without it, verifies it, and revokes it at once", async () => {
    const created = await settings.request("POST", "/v1/settings/api-keys", {
      as: owner.identity,
      body: { label: "  CI pipeline " },
    });
    expect(created.status).toBe(201);
    const { apiKey, secret } = created.body.data;
    expect(secret).toMatch(/^clm_sk_live_[0-9A-Za-z]{32}$/);
    expect(apiKey).toEqual({
      id: expect.any(String),
      label: "CI pipeline",
      prefix: secret.slice(0, 16),
      createdAt: expect.any(String),
      createdBy: owner.user.id,
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
    });

    const list = await settings.request("GET", "/v1/settings/api-keys", { as: owner.identity });
    expect(list.status).toBe(200);
    expect(list.body.data.apiKeys).toContainEqual(apiKey);
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toContain(hashSecret(secret));
    expect(list.text).not.toMatch(/key_?hash/i);

    const verified = await settings.verify("api_key", secret);
    expect(verified.status).toBe(200);
    expect(verified.body.data).toEqual({
      organizationId: owner.organization.id,
      principal: { type: "api_key", id: apiKey.id },
      role: null,
      expiresAt: null,
      plan: "starter",
    });

    const revoked = await settings.request("POST", `/v1/settings/api-keys/${apiKey.id}/revoke`, {
      as: owner.identity,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.data.apiKey).toMatchObject({
      id: apiKey.id,
      revokedAt: expect.any(String),
    });
    expect((await settings.verify("api_key", secret)).status).toBe(404);
    expect(
      await settings.service.context.redis.get(
        credentialCacheKey(settings.redisPrefix, hashSecret(secret)),
      ),
    ).toBe(INVALID_CREDENTIAL);
    const ttl = await settings.service.context.redis.ttl(
      credentialCacheKey(settings.redisPrefix, hashSecret(secret)),
    );
    expect(ttl).toBeGreaterThan(60);

    // Revoking again changes nothing and is not an error.
    const again = await settings.request("POST", `/v1/settings/api-keys/${apiKey.id}/revoke`, {
      as: owner.identity,
    });
    expect(again.status).toBe(200);
    expect(again.body.data.apiKey.revokedAt).toBe(revoked.body.data.apiKey.revokedAt);

    // The row stays in the list.
    const after = await settings.request("GET", "/v1/settings/api-keys", { as: owner.identity });
    expect(after.body.data.apiKeys).toContainEqual(revoked.body.data.apiKey);

    const events = (await settings.outbox(owner.organization.id)).filter((e) =>
      e.type.startsWith("api_key."),
    );
    expect(events).toEqual([
      {
        type: "api_key.created",
        payload: {
          apiKey: {
            id: apiKey.id,
            label: "CI pipeline",
            prefix: apiKey.prefix,
            createdBy: owner.user.id,
          },
        },
      },
      {
        type: "api_key.revoked",
        payload: {
          apiKey: { id: apiKey.id, label: "CI pipeline", prefix: apiKey.prefix },
          keyHash: hashSecret(secret),
        },
      },
    ]);
  });

  it("expires a key after expiresInDays and refuses other lifetimes", async () => {
    const created = await settings.request("POST", "/v1/settings/api-keys", {
      as: owner.identity,
      body: { label: "week", expiresInDays: 7 },
    });
    expect(created.status).toBe(201);
    const { apiKey, secret } = created.body.data;
    const expiresIn = Date.parse(apiKey.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(6.9 * 86_400_000);
    expect(expiresIn).toBeLessThanOrEqual(7 * 86_400_000);
    expect((await settings.verify("api_key", secret)).body.data.expiresAt).toBe(apiKey.expiresAt);

    await settings.db
      .updateTable("api_keys")
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where("id", "=", apiKey.id)
      .execute();
    expect((await settings.verify("api_key", secret)).status).toBe(404);

    for (const expiresInDays of [0, 8, 400, "30", null]) {
      const refused = await settings.request("POST", "/v1/settings/api-keys", {
        as: owner.identity,
        body: { label: "x", expiresInDays },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.details[0].path).toBe("body.expiresInDays");
    }
    const noLabel = await settings.request("POST", "/v1/settings/api-keys", {
      as: owner.identity,
      body: { label: "   " },
    });
    expect(noLabel.status).toBe(400);
  });

  it("records when a key was last used, never moving it backwards", async () => {
    const key = await settings.createApiKey(owner.identity);
    const other = await settings.createApiKey(owner.identity);
    const earlier = new Date(Date.now() - 60_000).toISOString();
    const later = new Date(Date.now() - 1_000).toISOString();

    expect((await touch([{ id: key.id, lastUsedAt: later }])).status).toBe(204);
    expect(
      (
        await touch([
          { id: key.id, lastUsedAt: earlier },
          { id: other.id, lastUsedAt: earlier },
          { id: other.id, lastUsedAt: later },
          { id: randomUUID(), lastUsedAt: later },
        ])
      ).status,
    ).toBe(204);

    const list = await settings.request("GET", "/v1/settings/api-keys?take=100", {
      as: owner.identity,
    });
    const lastUsed = (id: string) =>
      list.body.data.apiKeys.find((k: { id: string }) => k.id === id).lastUsedAt;
    expect(lastUsed(key.id)).toBe(later);
    expect(lastUsed(other.id)).toBe(later);

    expect((await touch([{ id: "nope", lastUsedAt: later }])).status).toBe(400);
    expect((await touch([{ id: key.id, lastUsedAt: "yesterday" }])).status).toBe(400);
  });

  it("lists newest first with a total, and validates skip and take", async () => {
    const fresh = await settings.signup();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await settings.createApiKey(fresh.identity)).id);

    const page = await settings.request("GET", "/v1/settings/api-keys?take=2", {
      as: fresh.identity,
    });
    expect(page.status).toBe(200);
    expect(page.body.data.total).toBe(3);
    expect(page.body.data.apiKeys.map((k: { id: string }) => k.id)).toEqual([ids[2], ids[1]]);
    const next = await settings.request("GET", "/v1/settings/api-keys?take=2&skip=2", {
      as: fresh.identity,
    });
    expect(next.body.data.apiKeys.map((k: { id: string }) => k.id)).toEqual([ids[0]]);
    const oldest = await settings.request("GET", "/v1/settings/api-keys?sort=createdAt", {
      as: fresh.identity,
    });
    expect(oldest.body.data.apiKeys.map((k: { id: string }) => k.id)).toEqual(ids);

    for (const query of ["take=101", "take=0", "skip=-1", "take=1.5", "take=abc", "sort=label"]) {
      const response = await settings.request("GET", `/v1/settings/api-keys?${query}`, {
        as: fresh.identity,
      });
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(response.body.error.code).toBe("VALIDATION_ERROR");
    }
  });

  it("answers 404 for another organization's key and for an id that is not a UUID", async () => {
    const other = await settings.signup();
    const theirs = await settings.createApiKey(other.identity);
    for (const id of [theirs.id, randomUUID(), "not-a-uuid", "1"]) {
      const response = await settings.request("POST", `/v1/settings/api-keys/${id}/revoke`, {
        as: owner.identity,
      });
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("NOT_FOUND");
    }
    expect((await settings.verify("api_key", theirs.secret)).status).toBe(200);
  });

  it("refuses settings to API keys (API_KEY_FORBIDDEN) and to members (FORBIDDEN)", async () => {
    const key = await settings.createApiKey(owner.identity);
    const member = await settings.addMember(owner.identity, "member");
    for (const [method, path] of [
      ["GET", "/v1/settings/api-keys"],
      ["POST", "/v1/settings/api-keys"],
      ["POST", `/v1/settings/api-keys/${key.id}/revoke`],
      ["POST", "/v1/settings/api-keys/not-a-uuid/revoke"],
    ] as const) {
      const body = method === "GET" ? undefined : {};
      const byKey = await settings.request(method, path, { as: key.identity, body });
      expect(byKey.status).toBe(403);
      expect(byKey.body.error.code).toBe("API_KEY_FORBIDDEN");
      const byMember = await settings.request(method, path, { as: member.identity, body });
      expect(byMember.status).toBe(403);
      expect(byMember.body.error.code).toBe("FORBIDDEN");
    }
    expect((await settings.verify("api_key", key.secret)).status).toBe(200);
  });

  it("writes the event in the change's transaction: a change that fails leaves no event", async () => {
    const fresh = await settings.signup();
    const created = await settings.createApiKey(fresh.identity, { label: "kept" });
    const types = async () => (await settings.outbox(fresh.organization.id)).map((e) => e.type);
    expect(await types()).toEqual(["organization.created", "api_key.created"]);
    expect((await settings.outbox(fresh.organization.id))[1]!.payload.apiKey.id).toBe(created.id);

    // Make the last statement of key creation (the audit entry, after the event) fail.
    await sql`
      create function fail_audit() returns trigger language plpgsql as $$
      begin raise exception 'audit log unavailable'; end $$;
      create trigger fail_audit before insert on audit_log
        for each row when (new.action = 'api_key.created') execute function fail_audit();
    `.execute(settings.db);
    try {
      const failed = await settings.request("POST", "/v1/settings/api-keys", {
        as: fresh.identity,
        body: { label: "lost" },
      });
      expect(failed.status).toBe(500);
      expect(failed.body.error).toMatchObject({ code: "INTERNAL_ERROR" });
      expect(failed.text).not.toContain("audit log unavailable");
    } finally {
      await sql`drop trigger fail_audit on audit_log; drop function fail_audit();`.execute(
        settings.db,
      );
    }
    expect(await types()).toEqual(["organization.created", "api_key.created"]);
    const labels = await settings.db
      .selectFrom("api_keys")
      .select("label")
      .where("organization_id", "=", fresh.organization.id)
      .execute();
    expect(labels).toEqual([{ label: "kept" }]);
  });
});
