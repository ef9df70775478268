import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import {
  credentialCacheKey,
  generateApiKey,
  hashSecret,
  IdentityTokens,
  REVERIFY_CREDENTIAL,
  REVERIFY_MARKER_SECONDS,
} from "@clment/auth";
import { call, waitFor } from "@clment/testing";
import { loadGatewayConfig, startGateway, type RunningGateway } from "../src/index.js";
import { gatewayRegion } from "./support/gateway-region.js";

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/**
 * A stand-in for every service of the region, recording what the gateway sends. It answers
 * settings' internal routes too, so the gateway's own calls can be watched.
 */
async function fakeUpstream() {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      if (req.url === "/v1/contracts/hang") return; // never answers
      if (req.url === "/v1/contracts/reset") return req.socket.destroy();
      if (req.url === "/internal/v1/credentials/verify") {
        res.writeHead(verifyStatus).end();
        return;
      }
      if (req.url === "/internal/v1/api-keys/touch") {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(201, { "content-type": "application/json", "x-upstream": "yes" });
      res.end(JSON.stringify({ data: { echoed: true } }));
    });
  });
  let verifyStatus = 404;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answerVerifyWith(status: number) {
      verifyStatus = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("the gateway in front of a recording upstream", () => {
  const region = gatewayRegion("gw-unit");
  const { secret, organizationId, redis, redisPrefix, cachedCredential } = region;
  let upstream: Awaited<ReturnType<typeof fakeUpstream>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    upstream = await fakeUpstream();
    gateway = await startGateway(
      loadGatewayConfig(region.env(upstream.url, { UPSTREAM_TIMEOUT_MS: "300" })),
    );
  });

  beforeEach(() => {
    upstream.received.length = 0;
    upstream.answerVerifyWith(404);
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await region.close();
  });

  it("forwards the authorized path and query with its own identity token, never the credential", async () => {
    const keyId = "0b3b7a52-3f0e-4d0c-9a53-0c2a4f9f5e01";
    const key = await cachedCredential({ type: "api_key", id: keyId });
    const response = await call(gateway.url, "GET", "/v1/contracts/x/../?take=5&q=a%2Fb", {
      token: key,
      headers: { "x-request-id": "req-forward-1", "x-clment-identity": "forged" },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-upstream")).toBe("yes");
    expect(response.body).toEqual({ data: { echoed: true } });

    const [seen] = upstream.received;
    expect(seen!.url).toBe("/v1/contracts?take=5&q=a%2Fb");
    expect(seen!.headers.authorization).toBeUndefined();
    expect(seen!.headers["x-request-id"]).toBe("req-forward-1");
    const identity = await new IdentityTokens(secret, "eu").verify(
      seen!.headers["x-clment-identity"] as string,
    );
    expect(identity).toEqual({
      organizationId,
      principal: { type: "api_key", id: keyId },
      role: null,
      region: "eu",
    });
  });

  it("streams a request body through untouched (no parsing or size limit at the gateway)", async () => {
    const key = await cachedCredential({ type: "api_key", id: "k-body" });
    const body = Buffer.alloc(3 * 1024 * 1024, "a");
    const response = await fetch(`${gateway.url}/v1/contracts`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/octet-stream" },
      body,
    });
    expect(response.status).toBe(201);
    expect(upstream.received[0]!.body.equals(body)).toBe(true);
  });

  it("sends public routes on without asking for credentials, and without any identity", async () => {
    const response = await call(gateway.url, "POST", "/v1/auth/login", {
      body: { email: "a@example.com", password: "x" },
      headers: { "x-clment-identity": "forged" },
    });
    expect(response.status).toBe(201);
    expect(upstream.received[0]!.headers["x-clment-identity"]).toBeUndefined();
  });

  it("answers 503 when the upstream does not answer in time", async () => {
    const key = await cachedCredential({ type: "api_key", id: "k-hang" });
    const started = Date.now();
    const response = await call(gateway.url, "GET", "/v1/contracts/hang", { token: key });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe("SERVICE_UNAVAILABLE");
    expect(response.headers.get("retry-after")).toBe("1");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("answers 503 when the upstream resets the connection", async () => {
    const key = await cachedCredential({ type: "api_key", id: "k-reset" });
    const response = await call(gateway.url, "GET", "/v1/contracts/reset", { token: key });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe("SERVICE_UNAVAILABLE");
  });

  it("refuses a cached credential whose expiry has passed", async () => {
    const key = await cachedCredential(
      { type: "api_key", id: "k-expired" },
      { expiresAt: new Date(Date.now() - 1_000).toISOString() },
    );
    const response = await call(gateway.url, "GET", "/v1/contracts", { token: key });
    expect(response.status).toBe(401);
    expect(upstream.received).toEqual([]);
  });

  it("keeps members and keys out of settings, and lets owners and admins in", async () => {
    const principal = (id: string) => ({ type: "user" as const, id, sessionId: `s-${id}` });
    const member = await cachedCredential(principal("m"), { role: "member" });
    const admin = await cachedCredential(principal("a"), { role: "admin" });
    const key = await cachedCredential({ type: "api_key", id: "k-settings" });
    expect(
      (await call(gateway.url, "GET", "/v1/settings/members", { token: member })).body.error.code,
    ).toBe("FORBIDDEN");
    expect(
      (await call(gateway.url, "GET", "/v1/settings/members", { token: key })).body.error.code,
    ).toBe("API_KEY_FORBIDDEN");
    expect((await call(gateway.url, "GET", "/v1/settings/members", { token: admin })).status).toBe(
      201,
    );
    expect(upstream.received.map((r) => r.url)).toEqual(["/v1/settings/members"]);
  });

  it("asks settings on a cache miss with its service identity, and caches what it learns", async () => {
    const key = generateApiKey();
    expect((await call(gateway.url, "GET", "/v1/me", { token: key })).status).toBe(401);
    expect((await call(gateway.url, "GET", "/v1/me", { token: key })).status).toBe(401);
    const verifications = upstream.received.filter(
      (r) => r.url === "/internal/v1/credentials/verify",
    );
    expect(verifications).toHaveLength(1);
    expect(JSON.parse(verifications[0]!.body.toString())).toEqual({
      kind: "api_key",
      hash: hashSecret(key),
    });
    const identity = await new IdentityTokens(secret, "eu").verify(
      verifications[0]!.headers["x-clment-identity"] as string,
    );
    expect(identity.principal).toEqual({ type: "service", id: "gateway" });
  });

  it("answers 503 when settings fails to verify a credential", async () => {
    upstream.answerVerifyWith(500);
    const response = await call(gateway.url, "GET", "/v1/me", { token: generateApiKey() });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe("SERVICE_UNAVAILABLE");
  });

  it("never writes a revocation over with a cached lookup (SET NX)", async () => {
    const key = generateApiKey();
    const cacheKey = credentialCacheKey(redisPrefix, hashSecret(key));
    await redis.set(cacheKey, JSON.stringify({ invalid: true }), "EX", 180);
    expect((await call(gateway.url, "GET", "/v1/me", { token: key })).status).toBe(401);
    expect(await redis.ttl(cacheKey)).toBeGreaterThan(60);
    expect(upstream.received).toEqual([]);
  });

  it("asks settings on every request while a re-verification marker stands, and never caches over it", async () => {
    const key = generateApiKey();
    const cacheKey = credentialCacheKey(redisPrefix, hashSecret(key));
    await redis.set(cacheKey, REVERIFY_CREDENTIAL, "EX", REVERIFY_MARKER_SECONDS);
    for (let i = 0; i < 3; i++) {
      expect((await call(gateway.url, "GET", "/v1/me", { token: key })).status).toBe(401);
    }
    const verifications = upstream.received.filter(
      (r) => r.url === "/internal/v1/credentials/verify",
    );
    expect(verifications).toHaveLength(3);
    expect(await redis.get(cacheKey)).toBe(REVERIFY_CREDENTIAL);
    // Once it expires, answers are cached again.
    await redis.del(cacheKey);
    await call(gateway.url, "GET", "/v1/me", { token: key });
    await call(gateway.url, "GET", "/v1/me", { token: key });
    expect(
      upstream.received.filter((r) => r.url === "/internal/v1/credentials/verify"),
    ).toHaveLength(4);
  });

  it("answers unparseable HTTP with a 400 envelope", async () => {
    const { port } = new URL(gateway.url);
    const socket = connect(Number(port), "127.0.0.1");
    await once(socket, "connect");
    socket.write("NOT HTTP AT ALL\r\n\r\n");
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
    await once(socket, "close");
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)).error.code).toBe(
      "VALIDATION_ERROR",
    );
  });

  it("batches API key usage into one call to settings, flushed on close", async () => {
    const keyId = "0b3b7a52-3f0e-4d0c-9a53-0c2a4f9f5e99";
    const key = await cachedCredential({ type: "api_key", id: keyId });
    const second = await startGateway(loadGatewayConfig(region.env(upstream.url)));
    const touches = () => upstream.received.filter((r) => r.url === "/internal/v1/api-keys/touch");
    try {
      for (let i = 0; i < 10; i++) {
        expect((await call(second.url, "GET", "/v1/contracts", { token: key })).status).toBe(201);
      }
      expect(touches()).toHaveLength(0);
    } finally {
      await second.close();
    }
    await waitFor(() => touches().length === 1);
    const usages = JSON.parse(touches()[0]!.body.toString()).usages;
    expect(usages).toEqual([{ id: keyId, lastUsedAt: expect.any(String) }]);
    expect(Date.now() - Date.parse(usages[0].lastUsedAt)).toBeLessThan(10_000);
  });
});

/** A stand-in service whose /healthz always answers 200 and whose /readyz answers `ready`. */
async function fakeService() {
  let ready = 200;
  let readinessAsked = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === "/readyz") readinessAsked++;
    const status = req.url === "/readyz" ? ready : req.url === "/healthz" ? 200 : 404;
    res.writeHead(status, { "content-type": "application/json" }).end("{}");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answerReadyWith(status: number) {
      ready = status;
    },
    readinessAsked: () => readinessAsked,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("the gateway's health endpoints", () => {
  const region = gatewayRegion("gw-health");
  let others: Awaited<ReturnType<typeof fakeService>>;
  let contracts: Awaited<ReturnType<typeof fakeService>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    others = await fakeService();
    contracts = await fakeService();
    gateway = await startGateway(
      loadGatewayConfig(region.env(others.url, { CONTRACTS_URL: contracts.url })),
    );
  });

  beforeEach(() => contracts.answerReadyWith(200));

  afterAll(async () => {
    await gateway?.close();
    await others?.close();
    await contracts?.close();
    await region.close();
  });

  it("is ready when every service's /readyz answers 200", async () => {
    const ready = await call(gateway.url, "GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body.data).toEqual({
      status: "ready",
      checks: { settings: "ok", contracts: "ok", review: "ok", credits: "ok", redis: "ok" },
    });
  });

  it("is not ready while a service is up but not ready (its database down), and stays healthy", async () => {
    contracts.answerReadyWith(503);
    // The answer is reused for a second: the change shows on the next run.
    const ready = await waitFor(async () => {
      const answer = await call(gateway.url, "GET", "/readyz");
      return answer.status === 503 ? answer : undefined;
    });
    expect(ready.status).toBe(503);
    expect(ready.body.error).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      details: [{ path: "contracts", message: "unreachable" }],
    });
    const health = await call(gateway.url, "GET", "/healthz");
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ data: { status: "ok" } });
  });

  it("asks the services once for any number of callers within a second (public, unauthenticated)", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past any earlier run's reuse
    const before = contracts.readinessAsked();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => call(gateway.url, "GET", "/readyz")),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(contracts.readinessAsked() - before).toBe(1);
  });
});
