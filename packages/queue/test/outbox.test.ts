import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { pino } from "pino";
import { createDatabase, type Database, type Kysely } from "@clment/db";
import {
  closeRedis,
  createRedis,
  EventConsumer,
  OutboxRelay,
  queueSettings,
  writeEvent,
  type EventEnvelope,
  type Redis,
} from "@clment/queue";
import {
  createTestDatabase,
  createTestRedisPrefix,
  startRedisServer,
  uniqueId,
  waitFor,
  type RedisServer,
  type TestDatabase,
} from "@clment/testing";

const logger = pino({ level: "silent" });
const ORG = "00000000-0000-4000-8000-000000000001";

let testDb: TestDatabase;
let redisServer: RedisServer;
const prefixes = createTestRedisPrefix("queue");

beforeAll(async () => {
  testDb = await createTestDatabase("queue");
  redisServer = await startRedisServer();
});

afterAll(async () => {
  await redisServer.stop();
  await prefixes.cleanup();
  await testDb.drop();
});

/** A producer (schema `contracts`) and a consumer (schema `review`) sharing one region's Redis. */
async function pair(redisUrl: string, region = "us", prefix = `${prefixes.prefix}:${uniqueId()}`) {
  const producerDb: Database<unknown> = createDatabase({ url: testDb.url, schema: "contracts" });
  const consumerDb: Database<unknown> = createDatabase({ url: testDb.url, schema: "review" });
  const redis = createRedis(redisUrl, "client");
  const workerRedis = createRedis(redisUrl, "worker");
  const settings = queueSettings(prefix);
  const received: EventEnvelope<"api_key.created">[] = [];
  let sideEffects = 0;
  const consumer = new EventConsumer({
    name: "outbox-test",
    db: consumerDb.db as Kysely<unknown>,
    workerConnection: workerRedis,
    settings,
    logger,
    region,
    handlers: {
      "api_key.created": async (event) => {
        received.push(event);
        sideEffects++;
      },
    },
  });
  const relay = new OutboxRelay({
    db: producerDb.db as Kysely<unknown>,
    redis,
    settings,
    logger,
    region,
    pollMs: 50,
    routes: { "api_key.created": ["outbox-test"] },
  });
  return {
    producerDb,
    consumer,
    relay,
    received,
    sideEffects: () => sideEffects,
    redis,
    async close() {
      await consumer.stop();
      await relay.stop();
      await closeRedis(redis);
      await closeRedis(workerRedis);
      await producerDb.close();
      await consumerDb.close();
    },
  };
}

function apiKeyCreated(label: string) {
  return {
    type: "api_key.created" as const,
    organizationId: ORG,
    data: { apiKey: { id: uniqueId(), label, prefix: "clm_sk_live_abcd", createdBy: "u1" } },
  };
}

describe("transactional outbox", () => {
  it("publishes an event written in a committed transaction to its subscribers", async () => {
    const p = await pair(redisServer.url);
    try {
      await p.consumer.start();
      p.relay.start();
      await p.producerDb.db
        .transaction()
        .execute((trx) => writeEvent(trx, apiKeyCreated("committed")));
      p.relay.kick();
      await waitFor(() => p.received.length === 1, { message: "event delivery" });
      expect(p.received[0]).toMatchObject({
        type: "api_key.created",
        organizationId: ORG,
        region: "us",
        data: { apiKey: { label: "committed" } },
      });
    } finally {
      await p.close();
    }
  });

  it("publishes nothing when the transaction rolls back", async () => {
    const p = await pair(redisServer.url);
    try {
      await p.consumer.start();
      await expect(
        p.producerDb.db.transaction().execute(async (trx) => {
          await writeEvent(trx, apiKeyCreated("rolled back"));
          throw new Error("the change failed");
        }),
      ).rejects.toThrow("the change failed");
      // A committed marker event after it shows the relay ran past where the other would be.
      await p.producerDb.db
        .transaction()
        .execute((trx) => writeEvent(trx, apiKeyCreated("marker")));
      expect(await p.relay.relayOnce()).toBe(1);
      await waitFor(() => p.received.length === 1, { message: "marker delivery" });
      await new Promise((r) => setTimeout(r, 200));
      expect(p.received.map((e) => e.data.apiKey.label)).toEqual(["marker"]);
    } finally {
      await p.close();
    }
  });

  it("keeps a write that happens while Redis is down and delivers its event when Redis returns", async () => {
    const own = await startRedisServer();
    const p = await pair(own.url);
    try {
      await p.consumer.start();
      p.relay.start();
      await own.stop();
      // The change commits: only Postgres is needed for it.
      await p.producerDb.db
        .transaction()
        .execute((trx) => writeEvent(trx, apiKeyCreated("outage")));
      p.relay.kick();
      await new Promise((r) => setTimeout(r, 300));
      expect(p.received).toHaveLength(0);
      const pending = await p.producerDb.db
        .selectFrom("outbox" as never)
        .select("id" as never)
        .where("published_at" as never, "is", null)
        .execute();
      expect(pending.length).toBeGreaterThanOrEqual(1);
      // Redis comes back empty (it keeps nothing on disk); the relay and the worker reconnect.
      await own.start();
      await waitFor(() => p.received.length === 1, {
        timeoutMs: 15_000,
        message: "delivery after outage",
      });
      expect(p.received[0]!.data.apiKey.label).toBe("outage");
    } finally {
      await p.close();
      await own.stop();
    }
  });

  it("handles an event that arrives twice only once", async () => {
    const p = await pair(redisServer.url);
    try {
      const event: EventEnvelope<"api_key.created"> = {
        id: "11111111-1111-4111-8111-" + uniqueId(6),
        type: "api_key.created",
        organizationId: ORG,
        region: "us",
        createdAt: new Date().toISOString(),
        data: apiKeyCreated("twice").data,
      };
      expect(await p.consumer.handleEvent(event)).toBe("handled");
      expect(await p.consumer.handleEvent(event)).toBe("duplicate");
      expect(p.sideEffects()).toBe(1);
    } finally {
      await p.close();
    }
  });

  it("refuses an event of another region", async () => {
    const p = await pair(redisServer.url, "eu");
    try {
      const event: EventEnvelope<"api_key.created"> = {
        id: "22222222-2222-4222-8222-" + uniqueId(6),
        type: "api_key.created",
        organizationId: ORG,
        region: "us",
        createdAt: new Date().toISOString(),
        data: apiKeyCreated("foreign").data,
      };
      await expect(p.consumer.handleEvent(event)).rejects.toThrow(/region us/);
      expect(p.sideEffects()).toBe(0);
    } finally {
      await p.close();
    }
  });
});

// Keeps the Redis type import used for readers of this file.
export type { Redis };
