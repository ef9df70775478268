import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { Redis } from "ioredis";
import { IdentityTokens, serviceIdentity } from "@clment/auth";
import {
  call,
  createTestDatabase,
  createTestRedisPrefix,
  testSecret,
  TEST_REDIS_URL,
  waitFor,
  type TestDatabase,
} from "@clment/testing";
import { newApiKey, newOrganization, type NewOrganization } from "../src/factories.js";
import { startRegion, type RunningRegion } from "../src/region.js";

async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys;
}

describe("two regions share nothing", () => {
  const databases: Record<"us" | "eu", TestDatabase | undefined> = { us: undefined, eu: undefined };
  const prefixes = { us: createTestRedisPrefix("gw-us"), eu: createTestRedisPrefix("gw-eu") };
  let us: RunningRegion;
  let eu: RunningRegion;
  let usSql: pg.Client;
  let redis: Redis;
  let usOrg: NewOrganization;
  let usKey: string;

  beforeAll(async () => {
    databases.us = await createTestDatabase("gw_us");
    databases.eu = await createTestDatabase("gw_eu");
    [us, eu] = await Promise.all([
      startRegion({
        region: "us",
        databaseUrl: databases.us.url,
        redisPrefix: prefixes.us.prefix,
        identitySecret: testSecret("us"),
      }),
      startRegion({
        region: "eu",
        databaseUrl: databases.eu.url,
        redisPrefix: prefixes.eu.prefix,
        identitySecret: testSecret("eu"),
      }),
    ]);
    usSql = new pg.Client({ connectionString: databases.us.url });
    await usSql.connect();
    redis = new Redis(TEST_REDIS_URL);
    usOrg = await newOrganization(us.url);
    usKey = (await newApiKey(us.url, usOrg.owner.token)).secret;
  });

  afterAll(async () => {
    await Promise.all([us?.close(), eu?.close()]);
    await usSql?.end();
    redis?.disconnect();
    await Promise.all([prefixes.us.cleanup(), prefixes.eu.cleanup()]);
    await Promise.all([databases.us?.drop(), databases.eu?.drop()]);
  });

  it("a us key or session works in us and gets 401 at eu", async () => {
    expect((await call(us.url, "GET", "/v1/me", { token: usKey })).status).toBe(200);
    expect((await call(us.url, "GET", "/v1/me", { token: usOrg.owner.token })).status).toBe(200);
    const byKey = await call(eu.url, "GET", "/v1/me", { token: usKey });
    expect(byKey.status).toBe(401);
    expect(byKey.body.error.code).toBe("UNAUTHORIZED");
    expect((await call(eu.url, "GET", "/v1/me", { token: usOrg.owner.token })).status).toBe(401);
    expect((await call(eu.url, "GET", "/v1/contracts", { token: usKey })).status).toBe(401);
  });

  it("/v1/me names the region and the base URL an organization must use", async () => {
    const me = await call(us.url, "GET", "/v1/me", { token: usKey });
    expect(me.body.data.organization).toMatchObject({
      id: usOrg.organization.id,
      region: "us",
      baseUrl: `${us.url}/v1`,
    });
  });

  it("a us identity token is refused by eu's services", async () => {
    const usToken = await new IdentityTokens(testSecret("us"), "us").sign(
      serviceIdentity("gateway", "us"),
    );
    const direct = await call(eu.services.settings.url, "POST", "/internal/v1/credentials/verify", {
      headers: { "x-clment-identity": usToken },
      body: { kind: "api_key", hash: "0".repeat(64) },
    });
    expect(direct.status).toBe(401);
  });

  it("a signup in eu creates nothing in us", async () => {
    const count = async () =>
      (
        await usSql.query<{ organizations: number; users: number }>(
          "select (select count(*)::int from settings.organizations) as organizations, (select count(*)::int from settings.users) as users",
        )
      ).rows[0];
    const before = await count();
    const euOrg = await newOrganization(eu.url);
    expect(euOrg.organization.region).toBe("eu");
    expect(await count()).toEqual(before);
    const found = await usSql.query("select 1 from settings.organizations where id = $1", [
      euOrg.organization.id,
    ]);
    expect(found.rowCount).toBe(0);
  });

  it("an event emitted in us is consumed in us and never reaches eu", async () => {
    const key = await newApiKey(us.url, usOrg.owner.token);
    const revoked = await call(us.url, "POST", `/v1/settings/api-keys/${key.id}/revoke`, {
      token: usOrg.owner.token,
    });
    expect(revoked.status).toBe(200);
    const event = await waitFor(async () => {
      const { rows } = await usSql.query<{ id: string }>(
        "select id from settings.outbox where type = 'api_key.revoked' and payload->'apiKey'->>'id' = $1 and published_at is not null",
        [key.id],
      );
      return rows[0];
    });
    // Handled by us's gateway, under us's prefix.
    await waitFor(
      async () =>
        (await redis.hget(
          `${prefixes.us.prefix}:bull:events.gateway:${event.id}`,
          "finishedOn",
        )) !== null,
      { message: "us's gateway to handle the event" },
    );
    // Nothing under eu's prefix mentions it, and eu's database never saw it.
    const euKeys = await keysUnder(redis, prefixes.eu.prefix);
    expect(euKeys.filter((k) => k.includes(event.id))).toEqual([]);
    for (const k of euKeys.filter((k) => k.endsWith(":events.gateway:completed"))) {
      expect(await redis.zscore(k, event.id)).toBeNull();
    }
    const euSql = new pg.Client({ connectionString: databases.eu!.url });
    await euSql.connect();
    try {
      const seen = await euSql.query(
        "select 1 from settings.outbox where id = $1 union all select 1 from settings.processed_events where event_id = $1",
        [event.id],
      );
      expect(seen.rowCount).toBe(0);
    } finally {
      await euSql.end();
    }
  });
});
