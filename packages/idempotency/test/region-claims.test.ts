import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { pino } from "pino";
import { IDENTITY_HEADER, IdentityTokens, requireIdentity } from "@clment/auth";
import { createDatabase, type Database, type Kysely } from "@clment/db";
import { createServiceApp, listen, type RunningServer } from "@clment/http";
import { idempotency } from "@clment/idempotency";
import {
  call,
  createTestDatabase,
  createTestRedisPrefix,
  TEST_REDIS_URL,
  testSecret,
  type TestDatabase,
} from "@clment/testing";

/**
 * Two services of one region (each with its own schema, so its own keys table), sharing the
 * region's Redis: an Idempotency-Key one of them used is refused by the other.
 */
const logger = pino({ level: "silent" });
const tokens = new IdentityTokens(testSecret("us"), "us");
const redisPrefix = createTestRedisPrefix("idem-region");
let testDb: TestDatabase;
let redis: Redis;
const databases: Database<unknown>[] = [];
const servers: Record<string, RunningServer> = {};
const work: Record<string, number> = { review: 0, contracts: 0 };

/** A stand-in for a service: `POST /v1/work` counts and answers 201. */
async function service(name: "review" | "contracts", store: Redis): Promise<RunningServer> {
  const database = createDatabase({ url: testDb.url, schema: name });
  databases.push(database);
  const app = createServiceApp({
    name,
    logger,
    readiness: { required: {} },
    routes(app) {
      app.use("/v1", requireIdentity(tokens));
      app.use(
        "/v1",
        idempotency({
          db: database.db as Kysely<unknown>,
          logger,
          region: { redis: store, prefix: redisPrefix.prefix, service: name },
        }),
      );
      app.post("/v1/work", (_req, res) => {
        work[name]!++;
        res.status(201).json({ data: { by: name, n: work[name] } });
      });
    },
  });
  return listen(app, 0);
}

beforeAll(async () => {
  testDb = await createTestDatabase("idem-region");
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  servers.review = await service("review", redis);
  servers.contracts = await service("contracts", redis);
});

afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()));
  await Promise.all(databases.map((d) => d.close()));
  await redisPrefix.cleanup();
  redis.disconnect();
  await testDb.drop();
});

async function post(server: RunningServer, organizationId: string, key: string) {
  const identity = {
    organizationId,
    principal: { type: "api_key", id: "k" },
    role: null,
    region: "us",
  } as const;
  return call(server.url, "POST", "/v1/work", {
    body: { same: true },
    headers: { [IDENTITY_HEADER]: await tokens.sign(identity), "Idempotency-Key": key },
  });
}

describe("an Idempotency-Key across the services of a region", () => {
  it("belongs to the first service that saw it: another service answers 409 and does nothing", async () => {
    const org = randomUUID();
    const key = randomUUID();
    const before = { ...work };
    const first = await post(servers.review!, org, key);
    expect(first.status).toBe(201);
    const elsewhere = await post(servers.contracts!, org, key);
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    // The first service still replays it.
    const again = await post(servers.review!, org, key);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(work).toEqual({ review: before.review! + 1, contracts: before.contracts });
  });

  it("is per organization: another organization's same key is its own", async () => {
    const key = randomUUID();
    expect((await post(servers.review!, randomUUID(), key)).status).toBe(201);
    expect((await post(servers.contracts!, randomUUID(), key)).status).toBe(201);
  });

  it("is checked within each service alone while Redis is unavailable", async () => {
    const down = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    const isolated = await service("contracts", down);
    try {
      const org = randomUUID();
      const key = randomUUID();
      expect((await post(isolated, org, key)).status).toBe(201);
      const replay = await post(isolated, org, key);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
    } finally {
      await isolated.close();
      down.disconnect();
    }
  });
});
