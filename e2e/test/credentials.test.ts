import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { Redis } from "ioredis";
import { credentialCacheKey, hashSecret, type VerifiedCredential } from "@clment/auth";
import { call, TEST_REDIS_URL, waitFor } from "@clment/testing";
import {
  newApiKey,
  newOrganization,
  PASSWORD,
  startTestRegion,
  type NewOrganization,
  type TestRegion,
} from "../src/factories.js";

describe("API keys and sessions through two gateway instances of one region", () => {
  let region: TestRegion;
  let first: string;
  let second: string;
  let redis: Redis;
  let sql: pg.Client;
  let org: NewOrganization;

  beforeAll(async () => {
    region = await startTestRegion("gw_credentials", {
      region: "eu",
      gatewayInstances: 2,
      lastUsedFlushMs: 100,
    });
    first = region.gateways[0]!.url;
    second = region.gateways[1]!.url;
    redis = new Redis(TEST_REDIS_URL);
    sql = new pg.Client({ connectionString: region.databaseUrl });
    await sql.connect();
    org = await newOrganization(first);
  });

  afterAll(async () => {
    redis?.disconnect();
    await sql?.end();
    await region?.close();
  });

  it("a key works until it is revoked, then the next request at another instance gets 401", async () => {
    const key = await newApiKey(first, org.owner.token, { label: "ci" });

    const me = await call(first, "GET", "/v1/me", { token: key.secret });
    expect(me.status).toBe(200);
    expect(me.body.data.principal).toEqual({ type: "api_key", id: key.id, label: "ci" });
    expect(me.body.data.organization).toMatchObject({ id: org.organization.id, region: "eu" });
    // Both instances have now seen the key verified (the second from the shared cache).
    expect((await call(second, "GET", "/v1/me", { token: key.secret })).status).toBe(200);

    const revoked = await call(first, "POST", `/v1/settings/api-keys/${key.id}/revoke`, {
      token: org.owner.token,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.data.apiKey.revokedAt).not.toBeNull();

    const after = await call(second, "GET", "/v1/me", { token: key.secret });
    expect(after.status).toBe(401);
    expect(after.body.error).toMatchObject({
      code: "UNAUTHORIZED",
      message: "Invalid or expired credentials",
    });
    expect((await call(first, "GET", "/v1/contracts", { token: key.secret })).status).toBe(401);

    // The row stays, listed with its revocation.
    const list = await call(first, "GET", "/v1/settings/api-keys", { token: org.owner.token });
    expect(list.body.data.apiKeys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: key.id, revokedAt: expect.any(String) }),
      ]),
    );
  });

  it("a session works until logout, then the next request at another instance gets 401", async () => {
    const login = await call(first, "POST", "/v1/auth/login", {
      body: { email: org.owner.email, password: PASSWORD },
    });
    expect(login.status).toBe(200);
    const token: string = login.body.data.session.token;

    const me = await call(second, "GET", "/v1/me", { token });
    expect(me.status).toBe(200);
    expect(me.body.data.principal).toMatchObject({ type: "user", role: "owner" });

    expect((await call(first, "POST", "/v1/auth/logout", { token })).status).toBeLessThan(300);
    expect((await call(second, "GET", "/v1/me", { token })).status).toBe(401);
    expect((await call(first, "GET", "/v1/me", { token })).status).toBe(401);
  });

  it("an expired key gets 401, whether settings or the cache answers", async () => {
    const key = await newApiKey(first, org.owner.token, { expiresInDays: 7 });
    expect((await call(first, "GET", "/v1/me", { token: key.secret })).status).toBe(200);
    const cacheKey = credentialCacheKey(region.redisPrefix, hashSecret(key.secret));

    // The cached entry carries the expiry, checked on every request.
    const cached = JSON.parse((await redis.get(cacheKey))!) as VerifiedCredential;
    expect(cached.expiresAt).not.toBeNull();
    await redis.set(
      cacheKey,
      JSON.stringify({ ...cached, expiresAt: new Date(Date.now() - 1_000).toISOString() }),
      "KEEPTTL",
    );
    expect((await call(second, "GET", "/v1/me", { token: key.secret })).status).toBe(401);

    // Settings says so too once the cache has forgotten the key.
    await sql.query(
      "update settings.api_keys set expires_at = now() - interval '1 second' where id = $1",
      [key.id],
    );
    await redis.del(cacheKey);
    expect((await call(second, "GET", "/v1/me", { token: key.secret })).status).toBe(401);
  });

  it("lastUsedAt shows in the key list after a flush, without a write per request", async () => {
    const key = await newApiKey(first, org.owner.token);
    const before = Date.now();
    for (let i = 0; i < 5; i++) {
      expect((await call(first, "GET", "/v1/me", { token: key.secret })).status).toBe(200);
    }
    const listed = await waitFor(
      async () => {
        const list = await call(first, "GET", "/v1/settings/api-keys", { token: org.owner.token });
        const found = (list.body.data.apiKeys as { id: string; lastUsedAt: string | null }[]).find(
          (k) => k.id === key.id,
        );
        return found?.lastUsedAt ? found : undefined;
      },
      { message: "lastUsedAt" },
    );
    expect(Date.parse(listed.lastUsedAt!)).toBeGreaterThanOrEqual(before - 1_000);
    expect(Date.parse(listed.lastUsedAt!)).toBeLessThanOrEqual(Date.now());
  });

  it("the verified credential is cached in the region's Redis with a bounded lifetime", async () => {
    const key = await newApiKey(first, org.owner.token);
    expect((await call(first, "GET", "/v1/me", { token: key.secret })).status).toBe(200);
    const cacheKey = credentialCacheKey(region.redisPrefix, hashSecret(key.secret));
    expect(JSON.parse((await redis.get(cacheKey))!)).toMatchObject({
      organizationId: org.organization.id,
      principal: { type: "api_key", id: key.id },
    });
    const ttl = await redis.ttl(cacheKey);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it("an api_key.revoked event makes every instance refuse the key (when settings could not)", async () => {
    const key = await newApiKey(first, org.owner.token);
    expect((await call(first, "GET", "/v1/me", { token: key.secret })).status).toBe(200);
    // The event settings emits on revocation, as if settings' own cache marker had been lost
    // (Redis away at that moment): the relay takes it from the outbox to the gateways' queue.
    const eventId = randomUUID();
    await sql.query(
      "insert into settings.outbox (id, type, organization_id, payload) values ($1, 'api_key.revoked', $2, $3)",
      [
        eventId,
        org.organization.id,
        JSON.stringify({
          apiKey: { id: key.id, label: "x", prefix: key.prefix },
          keyHash: hashSecret(key.secret),
        }),
      ],
    );
    await waitFor(
      async () =>
        (await redis.hget(`${region.redisPrefix}:bull:events.gateway:${eventId}`, "finishedOn")) !==
        null,
      { message: "a gateway to handle api_key.revoked" },
    );
    expect((await call(first, "GET", "/v1/me", { token: key.secret })).status).toBe(401);
    expect((await call(second, "GET", "/v1/me", { token: key.secret })).status).toBe(401);
  });
});
