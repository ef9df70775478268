import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  call,
  createTestDatabase,
  startRecordingServer,
  startRedisServer,
  testSecret,
  waitFor,
  type RecordingServer,
  type RedisServer,
  type TestDatabase,
} from "@clment/testing";
import { overrideEnv, WEBHOOK_TEST_ENV } from "../../src/env.js";
import { newApiKey, newOrganization } from "../../src/factories.js";
import { startRegion, type RunningRegion } from "../../src/region.js";

describe("Redis stopped during traffic: reads and writes go on, events follow when it returns", () => {
  let database: TestDatabase;
  let redisServer: RedisServer;
  let receiver: RecordingServer;
  let region: RunningRegion;
  let key: string;
  let redisDown = false;
  let restoreEnv: (() => void) | undefined;

  const createdContracts = () =>
    receiver.requests
      .map((r) => JSON.parse(r.body) as { type: string; data: { contract?: { id: string } } })
      .filter((body) => body.type === "contract.created")
      .map((body) => body.data.contract?.id);

  beforeAll(async () => {
    database = await createTestDatabase("redis_traffic");
    redisServer = await startRedisServer();
    receiver = await startRecordingServer();
    restoreEnv = overrideEnv(WEBHOOK_TEST_ENV);
    region = await startRegion({
      region: "au",
      databaseUrl: database.url,
      redisUrl: redisServer.url,
      redisPrefix: "clment:au",
      identitySecret: testSecret("au"),
    });
    const org = await newOrganization(region.url);
    key = (await newApiKey(region.url, org.owner.token)).secret;
    const webhook = await call(region.url, "POST", "/v1/settings/webhooks", {
      token: org.owner.token,
      body: { url: `${receiver.url}/hook`, events: ["contract.created"] },
    });
    if (webhook.status !== 201) throw new Error(`webhook: ${webhook.status} ${webhook.text}`);
  }, 60_000);

  afterAll(async () => {
    if (redisDown) await redisServer.start();
    await region?.close();
    await redisServer?.stop();
    await receiver?.close();
    await database?.drop();
    restoreEnv?.();
  });

  it("serves reads and writes without Redis (no 5xx) and delivers their events once it is back", async () => {
    const before = await call(region.url, "POST", "/v1/contracts", {
      token: key,
      body: { title: "Before the outage" },
    });
    expect(before.status).toBe(201);
    await waitFor(() => createdContracts().includes(before.body.data.contract.id), {
      timeoutMs: 20_000,
      message: "the first webhook",
    });

    await redisServer.stop();
    redisDown = true;
    const responses = await Promise.all([
      ...Array.from({ length: 3 }, (_, i) =>
        call(region.url, "POST", "/v1/contracts", {
          token: key,
          body: { title: `During the outage ${i}` },
        }),
      ),
      ...Array.from({ length: 6 }, () => call(region.url, "GET", "/v1/contracts", { token: key })),
      call(region.url, "GET", "/v1/credits", { token: key }),
      call(region.url, "GET", "/v1/me", { token: key }),
    ]);
    const statuses = responses.map((r) => r.status);
    expect(statuses).toEqual([201, 201, 201, 200, 200, 200, 200, 200, 200, 200, 200]);
    const duringIds = responses.slice(0, 3).map((r) => r.body.data.contract.id as string);

    await redisServer.start();
    redisDown = false;
    await waitFor(() => duringIds.every((id) => createdContracts().includes(id)), {
      timeoutMs: 30_000,
      message: "the outage's events to be delivered",
    });
    // Each event exactly once.
    const delivered = createdContracts();
    for (const id of [before.body.data.contract.id, ...duringIds]) {
      expect(delivered.filter((d) => d === id)).toHaveLength(1);
    }
  }, 60_000);
});
