import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ensureDatabase } from "@clment/db";
import {
  call,
  createTestRedisPrefix,
  startPostgresServer,
  testSecret,
  waitFor,
  type PostgresServer,
} from "@clment/testing";
import { newApiKey, newOrganization } from "../../src/factories.js";
import { startRegion, type RunningRegion } from "../../src/region.js";
import { SERVICES } from "../../src/services.js";

describe("when Postgres stops, the region answers 503 and recovers by itself when it is back", () => {
  const redis = createTestRedisPrefix("pg_outage");
  let postgres: PostgresServer | undefined;
  let postgresUp = false;
  let region: RunningRegion;
  let key: string;
  let contractId: string;

  beforeAll(async () => {
    // A private Postgres: the shared server must stay up for every other test.
    postgres = await startPostgresServer();
    postgresUp = true;
    const databaseUrl = await ensureDatabase(postgres.url, "clment");
    for (const service of SERVICES) await service.migrate(databaseUrl);
    region = await startRegion({
      region: "eu",
      databaseUrl,
      redisPrefix: redis.prefix,
      identitySecret: testSecret("eu"),
    });
    const org = await newOrganization(region.url);
    key = (await newApiKey(region.url, org.owner.token)).secret;
    const created = await call(region.url, "POST", "/v1/contracts", {
      token: key,
      body: { title: "Outage agreement" },
    });
    contractId = created.body?.data?.contract?.id;
    if (!contractId) throw new Error(`contract creation failed: ${created.text}`);
  }, 90_000);

  afterAll(async () => {
    if (postgres && !postgresUp) await postgres.start().catch(() => undefined);
    await region?.close();
    await postgres?.destroy().catch(() => undefined);
    await redis.cleanup();
  }, 30_000);

  it("reads and writes get 503 SERVICE_UNAVAILABLE envelopes, /readyz fails, then all recovers", async () => {
    expect((await call(region.url, "GET", "/v1/contracts", { token: key })).status).toBe(200);

    await postgres!.stop();
    postgresUp = false;

    for (const [method, path, body] of [
      ["GET", "/v1/contracts", undefined],
      ["GET", `/v1/contracts/${contractId}`, undefined],
      ["POST", "/v1/contracts", { title: "During the outage" }],
      ["GET", "/v1/credits", undefined],
      ["GET", "/v1/playbooks", undefined],
      ["GET", "/v1/me", undefined],
    ] as const) {
      const response = await call(region.url, method, path, { token: key, body });
      expect({ path, status: response.status }).toEqual({ path, status: 503 });
      expect(response.body.error).toMatchObject({
        code: "SERVICE_UNAVAILABLE",
        requestId: expect.any(String),
      });
      expect(response.text).not.toMatch(/ECONNREFUSED|stack|at .*\.js/);
    }
    for (const service of Object.values(region.services)) {
      const ready = await call(service.url, "GET", "/readyz");
      expect(ready.status).toBe(503);
      expect(ready.body.error.details).toContainEqual({ path: "postgres", message: "unreachable" });
    }

    await postgres!.start();
    postgresUp = true;
    await waitFor(
      async () => (await call(region.url, "GET", "/v1/contracts", { token: key })).status === 200,
      { timeoutMs: 30_000, message: "contracts to reach Postgres again" },
    );
    for (const service of Object.values(region.services)) {
      await waitFor(async () => (await call(service.url, "GET", "/readyz")).status === 200, {
        timeoutMs: 30_000,
        message: `${service.name} to be ready again`,
      });
    }
    const created = await call(region.url, "POST", "/v1/contracts", {
      token: key,
      body: { title: "After the outage" },
    });
    expect(created.status).toBe(201);
    expect((await call(region.url, "GET", "/v1/me", { token: key })).status).toBe(200);
  }, 90_000);
});
