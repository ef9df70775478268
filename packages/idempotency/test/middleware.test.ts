import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { IDENTITY_HEADER, IdentityTokens, requireIdentity, type Identity } from "@clment/auth";
import { createDatabase, type Database, type Kysely } from "@clment/db";
import { createServiceApp, listen, type RunningServer } from "@clment/http";
import { idempotency } from "@clment/idempotency";
import { call, createTestDatabase, testSecret, type TestDatabase } from "@clment/testing";

/**
 * The middleware on a small app of its own (what the runtime mounts for every service), with
 * routes that succeed, fail, and show a secret once.
 */
const logger = pino({ level: "silent" });
const tokens = new IdentityTokens(testSecret("us"), "us");
let testDb: TestDatabase;
let database: Database<unknown>;
let server: RunningServer;
let calls = 0;
let failNext = false;

beforeAll(async () => {
  testDb = await createTestDatabase("idem");
  // Any service schema has the table; this app borrows the review schema's.
  database = createDatabase({ url: testDb.url, schema: "review" });
  const app = createServiceApp({
    name: "idempotency-test",
    logger,
    readiness: { required: {} },
    routes(app) {
      app.use("/v1", requireIdentity(tokens));
      app.use("/v1", idempotency({ db: database.db as Kysely<unknown>, logger }));
      app.post("/v1/things", (req, res) => {
        calls++;
        if (failNext) {
          failNext = false;
          throw new Error("a passing failure");
        }
        res.status(201).json({ data: { thing: { n: calls, body: req.body as unknown } } });
      });
      app.post("/v1/secrets", (_req, res) => {
        calls++;
        res
          .set("Cache-Control", "no-store")
          .status(201)
          .json({ data: { secret: `s-${calls}` } });
      });
      app.post("/v1/text", (_req, res) => {
        calls++;
        res.status(200).type("text/plain").send(`plain ${calls}`);
      });
    },
  });
  server = await listen(app, 0);
});

afterAll(async () => {
  await server.close();
  await database.close();
  await testDb.drop();
});

function identity(organizationId: string): Identity {
  return {
    organizationId,
    principal: { type: "api_key", id: randomUUID() },
    role: null,
    region: "us",
  };
}

async function post(organizationId: string, path: string, key: string, body: unknown = { a: 1 }) {
  return call(server.url, "POST", path, {
    body,
    headers: {
      [IDENTITY_HEADER]: await tokens.sign(identity(organizationId)),
      "Idempotency-Key": key,
    },
  });
}

describe("the idempotency middleware", () => {
  it("does not keep a server error: the retry does the work", async () => {
    const org = randomUUID();
    const key = randomUUID();
    failNext = true;
    const failed = await post(org, "/v1/things", key);
    expect(failed.status).toBe(500);
    const retried = await post(org, "/v1/things", key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    const replayed = await post(org, "/v1/things", key);
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect(replayed.body).toEqual(retried.body);
  });

  it("never stores a secret shown once: the retry is told the first request succeeded", async () => {
    const org = randomUUID();
    const key = randomUUID();
    const before = calls;
    const first = await post(org, "/v1/secrets", key);
    expect(first.status).toBe(201);
    const retry = await post(org, "/v1/secrets", key);
    expect(retry.status).toBe(409);
    expect(retry.body.error.code).toBe("CONFLICT");
    expect(retry.text).not.toContain(first.body.data.secret);
    expect(calls).toBe(before + 1);
    const { rows } = await database.pool.query(
      "select response_body from idempotency_keys where organization_id = $1 and key = $2",
      [org, key],
    );
    expect(rows).toEqual([{ response_body: null }]);
  });

  it("replays non-JSON responses byte for byte with their content type", async () => {
    const org = randomUUID();
    const key = randomUUID();
    const first = await post(org, "/v1/text", key);
    const replay = await post(org, "/v1/text", key);
    expect(replay.text).toBe(first.text);
    expect(replay.headers.get("content-type")).toBe(first.headers.get("content-type"));
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
  });

  it("answers concurrent requests with one key once: one does the work, the others get 409 or the replay", async () => {
    const org = randomUUID();
    const key = randomUUID();
    const before = calls;
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => post(org, "/v1/things", key, { same: true })),
    );
    expect(calls).toBe(before + 1);
    const fresh = responses.filter(
      (r) => r.status === 201 && r.headers.get("idempotent-replayed") === null,
    );
    expect(fresh).toHaveLength(1);
    for (const r of responses) {
      if (r === fresh[0]) continue;
      if (r.status === 409) expect(r.body.error.code).toBe("CONFLICT");
      else expect(r.headers.get("idempotent-replayed")).toBe("true");
    }
  });
});
