import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Queue } from "bullmq";
import { pino, type Logger } from "pino";
import { renderMetrics } from "@clment/metrics";
import { createDatabase, type Database, type Kysely } from "@clment/db";
import {
  closeRedis,
  consumerQueueName,
  createRedis,
  DEFAULT_RETRY_POLICY,
  EventConsumer,
  eventRetryDelay,
  OutboxRelay,
  queueSettings,
  writeEvent,
  type EventEnvelope,
  type Redis,
  type RetryPolicy,
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

interface PairOptions {
  region?: string;
  /** Runs before the consumer records the event; throw to fail the attempt. */
  beforeHandling?: () => void;
  retry?: Partial<RetryPolicy>;
  logger?: Logger;
}

/** A producer (schema `contracts`) and a consumer (schema `review`) sharing one region's Redis. */
async function pair(redisUrl: string, options: PairOptions = {}) {
  const region = options.region ?? "us";
  const prefix = `${prefixes.prefix}:${uniqueId()}`;
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
    logger: options.logger ?? logger,
    region,
    retry: options.retry,
    handlers: {
      "api_key.created": async (event) => {
        options.beforeHandling?.();
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
    consumerDb,
    settings,
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
    const p = await pair(redisServer.url, { region: "eu" });
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

/** A logger whose lines the test reads. */
function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const recorded = pino(
    { level: "info" },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger: recorded, lines };
}

async function processedCount(p: Awaited<ReturnType<typeof pair>>, eventId: string) {
  const rows = await p.consumerDb.db
    .selectFrom("processed_events" as never)
    .select("event_id" as never)
    .where("event_id" as never, "=", eventId as never)
    .execute();
  return rows.length;
}

async function failingGauge(state: "retrying" | "failed"): Promise<number | undefined> {
  const text = await renderMetrics();
  const line = text
    .split("\n")
    .find((l) => l.startsWith("clment_events_failing{") && l.includes(`state="${state}"`));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

describe("event retries", () => {
  it("waits exponentially longer between attempts, never longer than the cap and never 0", () => {
    const policy = { baseDelayMs: 500, maxDelayMs: 300_000 };
    const highest = () => 0.999_999;
    const lowest = () => 0;
    expect([1, 2, 3, 4].map((n) => eventRetryDelay(n, policy, highest))).toEqual([
      499, 999, 1_999, 3_999,
    ]);
    expect([1, 2, 3, 4].map((n) => eventRetryDelay(n, policy, lowest))).toEqual([
      250, 500, 1_000, 2_000,
    ]);
    for (const failures of [11, 12, 100, 1_100, 999_999]) {
      expect(eventRetryDelay(failures, policy, highest)).toBeLessThanOrEqual(300_000);
      expect(eventRetryDelay(failures, policy, lowest)).toBeGreaterThanOrEqual(150_000);
    }
    expect(eventRetryDelay(1, { baseDelayMs: 1, maxDelayMs: 1 }, lowest)).toBe(1);
    // The production cap: a poison event is tried every 2.5 to 5 minutes.
    expect(DEFAULT_RETRY_POLICY.maxDelayMs).toBe(300_000);
  });

  it("keeps retrying an event that fails more often than the old 8 attempts and handles it once", async () => {
    const { logger: recorded, lines } = recordingLogger();
    let failuresLeft = 12;
    const p = await pair(redisServer.url, {
      logger: recorded,
      retry: { baseDelayMs: 5, maxDelayMs: 40 },
      beforeHandling: () => {
        if (failuresLeft-- > 0) throw new Error("postgres is failing over");
      },
    });
    try {
      await p.consumer.start();
      const eventId = await p.producerDb.db
        .transaction()
        .execute((trx) => writeEvent(trx, apiKeyCreated("retried")));
      expect(await p.relay.relayOnce()).toBe(1);
      await waitFor(() => p.received.length === 1, { message: "delivery after 12 failures" });
      expect(p.received[0]!.id).toBe(eventId);
      expect(await processedCount(p, eventId)).toBe(1);
      // Every failed attempt was logged with its number and the wait before the next one.
      const failures = lines.filter((l) => l.msg === "event handling failed");
      expect(failures.map((l) => l.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      for (const failure of failures) {
        expect(failure).toMatchObject({ eventId, type: "api_key.created" });
        expect(failure.retryInMs).toBeGreaterThanOrEqual(1);
        expect(failure.retryInMs).toBeLessThanOrEqual(40);
      }
      // Publishing it again (a relay that crashed before marking it) does not handle it twice.
      await p.producerDb.db
        .updateTable("outbox" as never)
        .set({ published_at: null } as never)
        .where("id" as never, "=", eventId as never)
        .execute();
      expect(await p.relay.relayOnce()).toBe(1);
      await new Promise((r) => setTimeout(r, 200));
      expect(p.sideEffects()).toBe(1);
      expect(await processedCount(p, eventId)).toBe(1);
    } finally {
      await p.close();
    }
  });

  it("retries a poison event at the capped pace, shows it in the metrics, and handles it once fixed", async () => {
    let fixed = false;
    let attempts = 0;
    const p = await pair(redisServer.url, {
      retry: { baseDelayMs: 5, maxDelayMs: 150 },
      beforeHandling: () => {
        attempts++;
        if (!fixed) throw new Error("a handler bug");
      },
    });
    const queue = new Queue(consumerQueueName("outbox-test"), {
      connection: p.redis,
      prefix: p.settings.bullPrefix,
    });
    try {
      await p.consumer.start();
      const eventId = await p.producerDb.db
        .transaction()
        .execute((trx) => writeEvent(trx, apiKeyCreated("poison")));
      expect(await p.relay.relayOnce()).toBe(1);
      await waitFor(() => attempts >= 12, { message: "more attempts than the old limit" });
      expect(await queue.getJobState(eventId)).not.toBe("failed");
      expect(await processedCount(p, eventId)).toBe(0);
      await waitFor(async () => (await failingGauge("retrying")) === 1, {
        message: "clment_events_failing{state=retrying} at 1",
      });
      fixed = true;
      await waitFor(() => p.received.length === 1, { message: "delivery once fixed" });
      expect(await processedCount(p, eventId)).toBe(1);
      expect(await failingGauge("retrying")).toBe(0);
    } finally {
      await queue.close();
      await p.close();
    }
  });

  it("sends failed event jobs of its region back to the queue, and leaves a foreign event failed", async () => {
    let fixed = false;
    const p = await pair(redisServer.url, {
      retry: { redriveIntervalMs: 100 },
      beforeHandling: () => {
        if (!fixed) throw new Error("smtp is down");
      },
    });
    const queue = new Queue(consumerQueueName("outbox-test"), {
      connection: p.redis,
      prefix: p.settings.bullPrefix,
    });
    const event = (id: string, region: string): EventEnvelope<"api_key.created"> => ({
      id,
      type: "api_key.created",
      organizationId: ORG,
      region,
      createdAt: new Date().toISOString(),
      data: apiKeyCreated(`redrive ${region}`).data,
    });
    const ours = "33333333-3333-4333-8333-" + uniqueId(6);
    const foreign = "44444444-4444-4444-8444-" + uniqueId(6);
    try {
      await p.consumer.start();
      // Jobs queued under the old, finite policy: one attempt each, then the failed set.
      await queue.add("api_key.created", event(ours, "us"), { jobId: ours, attempts: 1 });
      await queue.add("api_key.created", event(foreign, "eu"), { jobId: foreign, attempts: 1 });
      await waitFor(async () => (await queue.getJobState(ours)) === "failed", {
        message: "our event failed",
      });
      await waitFor(async () => (await queue.getJobState(foreign)) === "failed", {
        message: "the foreign event failed",
      });
      fixed = true;
      await waitFor(() => p.received.length === 1, { message: "delivery after the re-drive" });
      expect(p.received[0]!.id).toBe(ours);
      expect(await processedCount(p, ours)).toBe(1);
      // The foreign event is refused for good: never re-driven, never handled.
      expect(await p.consumer.redriveFailed()).toBe(0);
      expect(await queue.getJobState(foreign)).toBe("failed");
      expect(p.sideEffects()).toBe(1);
    } finally {
      await queue.close();
      await p.close();
    }
  });
});

// Keeps the Redis type import used for readers of this file.
export type { Redis };
