import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { credentialCacheKey, generateApiKey, generateSessionToken, hashSecret } from "@clment/auth";
import {
  call,
  createTestDatabase,
  createTestRedisPrefix,
  testSecret,
  TEST_REDIS_URL,
  type TestDatabase,
  waitFor,
} from "@clment/testing";
import { newApiKey, newOrganization, PASSWORD, type NewOrganization } from "../src/factories.js";
import { startRegion, type RunningRegion } from "../src/region.js";

/** One character changed, so the CRC32 checksum no longer matches. */
function mistype(key: string): string {
  const i = key.length - 10;
  return key.slice(0, i) + (key[i] === "a" ? "b" : "a") + key.slice(i + 1);
}

function expectEnvelope(
  response: { status: number; headers: Headers; body: any },
  status: number,
  code: string,
) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(response.body.error.code).toBe(code);
  expect(typeof response.body.error.message).toBe("string");
  expect(response.body.error.requestId).toBe(response.headers.get("x-request-id"));
}

describe("the gateway's errors, in the envelope", () => {
  let database: TestDatabase;
  const redisPrefix = createTestRedisPrefix("gw-errors");
  let region: RunningRegion;
  let redis: Redis;
  let org: NewOrganization;
  let apiKey: string;

  beforeAll(async () => {
    database = await createTestDatabase("gw_errors");
    region = await startRegion({
      region: "us",
      databaseUrl: database.url,
      redisPrefix: redisPrefix.prefix,
      identitySecret: testSecret("us"),
    });
    redis = new Redis(TEST_REDIS_URL);
    org = await newOrganization(region.url);
    apiKey = (await newApiKey(region.url, org.owner.token)).secret;
  });

  afterAll(async () => {
    await region?.close();
    redis?.disconnect();
    await redisPrefix.cleanup();
    await database?.drop();
  });

  describe("401 UNAUTHORIZED", () => {
    it("when the Authorization header is missing", async () => {
      const response = await call(region.url, "GET", "/v1/me");
      expectEnvelope(response, 401, "UNAUTHORIZED");
      expect(response.headers.get("www-authenticate")).toBe("Bearer");
    });

    it.each([
      ["a Basic scheme", "Basic dXNlcjpwYXNz"],
      ["an empty bearer", "Bearer "],
      ["a random string", "Bearer not-a-key"],
      ["a key of the wrong length", `Bearer ${generateApiKey()}x`],
      ["two tokens", `Bearer ${generateApiKey()} ${generateApiKey()}`],
    ])("when the Authorization header is malformed (%s)", async (_case, authorization) => {
      const response = await call(region.url, "GET", "/v1/me", { headers: { authorization } });
      expectEnvelope(response, 401, "UNAUTHORIZED");
    });

    it("when a key fails its checksum, without touching any store", async () => {
      const mistyped = mistype(apiKey);
      const response = await call(region.url, "GET", "/v1/me", { token: mistyped });
      expectEnvelope(response, 401, "UNAUTHORIZED");
      // A well-formed unknown key is remembered as invalid; a mistyped one never got that far.
      expect(await redis.exists(credentialCacheKey(redisPrefix.prefix, hashSecret(mistyped)))).toBe(
        0,
      );
    });

    it("when a well-formed key is unknown, with the same message as any invalid credential", async () => {
      const unknown = generateApiKey();
      const response = await call(region.url, "GET", "/v1/contracts", { token: unknown });
      expectEnvelope(response, 401, "UNAUTHORIZED");
      expect(response.body.error.message).toBe("Invalid or expired credentials");
      expect(await redis.get(credentialCacheKey(redisPrefix.prefix, hashSecret(unknown)))).toBe(
        JSON.stringify({ invalid: true }),
      );
    });

    it("when a session token is unknown", async () => {
      const response = await call(region.url, "GET", "/v1/me", { token: generateSessionToken() });
      expectEnvelope(response, 401, "UNAUTHORIZED");
    });

    it("when a caller forges the identity header the gateway alone may set", async () => {
      const response = await call(region.url, "GET", "/v1/me", {
        headers: { "x-clment-identity": "eyJhbGciOiJIUzI1NiJ9.e30.forged" },
      });
      expectEnvelope(response, 401, "UNAUTHORIZED");
    });
  });

  describe("404 NOT_FOUND", () => {
    // `/` itself is the admin console (console.test.ts); its neighbours are not routes.
    it.each(["/v1/unknown", "/nothing", "/v2/contracts", "/v1", "/index.html", "/assets/"])(
      "for the unknown route %s, from the gateway without asking for credentials",
      async (path) => {
        const response = await call(region.url, "GET", path);
        expectEnvelope(response, 404, "NOT_FOUND");
      },
    );

    it.each([
      "/internal/v1/credentials/verify",
      "/internal/v1/api-keys/touch",
      "/v1/../internal/v1/credentials/verify",
      "/%69nternal/v1/credentials/verify",
    ])("for the internal route %s, never reachable from outside", async (path) => {
      const response = await call(region.url, "POST", path, {
        token: apiKey,
        body: { kind: "api_key", hash: hashSecret(apiKey) },
      });
      expectEnvelope(response, 404, "NOT_FOUND");
    });

    it("for a resource that does not exist in the caller's organization", async () => {
      const response = await call(
        region.url,
        "POST",
        "/v1/settings/api-keys/00000000-0000-4000-8000-000000000000/revoke",
        { token: org.owner.token },
      );
      expectEnvelope(response, 404, "NOT_FOUND");
    });
  });

  describe("400 VALIDATION_ERROR", () => {
    it("for malformed JSON", async () => {
      const response = await call(region.url, "POST", "/v1/auth/login", {
        headers: { "content-type": "application/json" },
        rawBody: '{"email": "a@example.com", ',
      });
      expectEnvelope(response, 400, "VALIDATION_ERROR");
    });

    it("for a body that breaks the rules, with details per field", async () => {
      const response = await call(region.url, "POST", "/v1/auth/signup", {
        body: { organizationName: "", email: "not-an-email", password: PASSWORD },
      });
      expectEnvelope(response, 400, "VALIDATION_ERROR");
      const paths = (response.body.error.details as { path: string }[]).map((d) => d.path);
      expect(paths).toEqual(expect.arrayContaining(["body.email", "body.name"]));
    });

    it("for a page size over 100", async () => {
      const response = await call(region.url, "GET", "/v1/settings/api-keys?take=101", {
        token: org.owner.token,
      });
      expectEnvelope(response, 400, "VALIDATION_ERROR");
    });

    it("for a path with broken percent-encoding", async () => {
      const response = await call(region.url, "GET", "/v1/contracts/%zz", { token: apiKey });
      expectEnvelope(response, 400, "VALIDATION_ERROR");
    });
  });

  it("413 PAYLOAD_TOO_LARGE for a JSON body over 1 MiB", async () => {
    const response = await call(region.url, "POST", "/v1/auth/login", {
      body: { email: "a@example.com", password: "x".repeat(1024 * 1024 + 10) },
    });
    expectEnvelope(response, 413, "PAYLOAD_TOO_LARGE");
  });

  describe("X-Request-Id", () => {
    it("echoes the caller's request id, on success and on errors", async () => {
      const ok = await call(region.url, "GET", "/v1/me", {
        token: apiKey,
        headers: { "x-request-id": "req-echo-1" },
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("x-request-id")).toBe("req-echo-1");
      const failed = await call(region.url, "GET", "/v1/unknown", {
        headers: { "x-request-id": "req-echo-2" },
      });
      expect(failed.headers.get("x-request-id")).toBe("req-echo-2");
      expect(failed.body.error.requestId).toBe("req-echo-2");
    });

    it("generates one when the caller sent none or an unusable one", async () => {
      const none = await call(region.url, "GET", "/healthz");
      expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      const unusable = await call(region.url, "GET", "/v1/me", {
        headers: { "x-request-id": "bad id with spaces" },
      });
      expect(unusable.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  it("answers /healthz and /readyz without credentials", async () => {
    expect((await call(region.url, "GET", "/healthz")).status).toBe(200);
    const ready = await call(region.url, "GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body.data.checks).toEqual({
      redis: "ok",
      settings: "ok",
      contracts: "ok",
      review: "ok",
      credits: "ok",
    });
  });

  // Last: these stop services of the region.
  describe("503 SERVICE_UNAVAILABLE when a service is down", () => {
    it("for a route of a stopped service, quickly, and /readyz says which", async () => {
      await region.services.contracts.close();
      const started = Date.now();
      const response = await call(region.url, "GET", "/v1/contracts", { token: apiKey });
      expectEnvelope(response, 503, "SERVICE_UNAVAILABLE");
      expect(Date.now() - started).toBeLessThan(1_000);
      // The gateway reuses a readiness answer for up to a second.
      const ready = await waitFor(async () => {
        const answer = await call(region.url, "GET", "/readyz");
        return answer.status === 503 ? answer : undefined;
      });
      expectEnvelope(ready, 503, "SERVICE_UNAVAILABLE");
      expect(ready.body.error.details).toEqual([{ path: "contracts", message: "unreachable" }]);
    });

    it("for a credential settings would have to verify while settings is stopped", async () => {
      await region.services.settings.close();
      const uncached = await call(region.url, "GET", "/v1/credits", { token: generateApiKey() });
      expectEnvelope(uncached, 503, "SERVICE_UNAVAILABLE");
      const login = await call(region.url, "POST", "/v1/auth/login", {
        body: { email: org.owner.email, password: PASSWORD },
      });
      expectEnvelope(login, 503, "SERVICE_UNAVAILABLE");
    });

    it("not for a mistyped key, which is refused before any store is asked", async () => {
      const response = await call(region.url, "GET", "/v1/credits", { token: mistype(apiKey) });
      expectEnvelope(response, 401, "UNAUTHORIZED");
    });

    it("not for a key the region's cache already verified", async () => {
      // The credits service is up; the key was verified earlier and is in the shared cache.
      const response = await call(region.url, "GET", "/v1/credits", { token: apiKey });
      expect(response.status).not.toBe(401);
      expect(response.status).not.toBe(503);
    });
  });
});
