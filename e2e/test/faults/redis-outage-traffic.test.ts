import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call, startRecordingServer, waitFor, type RecordingServer } from "@clment/testing";
import { overrideEnv, WEBHOOK_TEST_ENV } from "../../src/env.js";
import {
  newApiKey,
  newOrganization,
  startRegionWithOwnRedis,
  type RegionWithOwnRedis,
} from "../../src/factories.js";

describe("Redis stopped during traffic: reads and writes go on, events follow when it returns", () => {
  let receiver: RecordingServer;
  let region: RegionWithOwnRedis;
  let key: string;
  let restoreEnv: (() => void) | undefined;

  const createdContracts = () =>
    receiver.requests
      .map((r) => JSON.parse(r.body) as { type: string; data: { contract?: { id: string } } })
      .filter((body) => body.type === "contract.created")
      .map((body) => body.data.contract?.id);

  beforeAll(async () => {
    receiver = await startRecordingServer();
    restoreEnv = overrideEnv(WEBHOOK_TEST_ENV);
    region = await startRegionWithOwnRedis("redis_traffic");
    const org = await newOrganization(region.url);
    key = (await newApiKey(region.url, org.owner.token)).secret;
    const webhook = await call(region.url, "POST", "/v1/settings/webhooks", {
      token: org.owner.token,
      body: { url: `${receiver.url}/hook`, events: ["contract.created"] },
    });
    if (webhook.status !== 201) throw new Error(`webhook: ${webhook.status} ${webhook.text}`);
  }, 60_000);

  afterAll(async () => {
    await region?.close();
    await receiver?.close();
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

    await region.stopRedis();
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

    await region.startRedis();
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
