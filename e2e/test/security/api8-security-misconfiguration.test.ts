import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { loadGatewayConfig, startGateway, type RunningGateway } from "@clment/gateway";
import { call, testSecret, TEST_REDIS_URL, type TestResponse } from "@clment/testing";
import { consoleLogin } from "../../src/factories.js";
import { startSecurityRegion, type SecurityRegion } from "./support.js";

/**
 * OWASP API8:2023: security headers, no stack traces, CORS closed by default, and the console's
 * session cookie locked down (HttpOnly, SameSite=Strict, CSRF token and origin on writes).
 */
describe("API8 security misconfiguration", () => {
  let env: SecurityRegion;
  let httpsGateway: RunningGateway;

  beforeAll(async () => {
    env = await startSecurityRegion("api8");
    const services = env.region.services;
    // A gateway whose public URL is HTTPS (a deployed region): it also sends HSTS.
    httpsGateway = await startGateway(
      loadGatewayConfig({
        REGION: "eu",
        REDIS_URL: TEST_REDIS_URL,
        IDENTITY_SECRET: testSecret("eu"),
        LOG_LEVEL: "silent",
        PUBLIC_BASE_URL: "https://eu.clment.com/v1",
        SETTINGS_URL: services.settings.url,
        CONTRACTS_URL: services.contracts.url,
        REVIEW_URL: services.review.url,
        CREDITS_URL: services.credits.url,
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await httpsGateway?.close();
    await env?.close();
  });

  function expectSecurityHeaders(response: TestResponse) {
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("x-powered-by")).toBeNull();
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  }

  it("sends security headers on every kind of response, HSTS only where the region is HTTPS", async () => {
    const token = env.a.key.secret;
    const responses = await Promise.all([
      call(env.url, "GET", "/healthz"),
      call(env.url, "GET", "/v1/contracts", { token }),
      call(env.url, "GET", `/v1/contracts/${env.a.contractId}`, { token }),
      call(env.url, "GET", "/v1/nothing"),
      call(env.url, "GET", "/v1/contracts"),
      call(env.url, "GET", "/v1/settings/members", { token }),
      call(env.url, "POST", "/v1/contracts", { token, body: {} }),
    ]);
    for (const response of responses) {
      expectSecurityHeaders(response);
      expect(response.headers.get("strict-transport-security")).toBeNull();
    }
    const https = await call(httpsGateway.url, "GET", "/v1/me", { token });
    expect(https.status).toBe(200);
    expectSecurityHeaders(https);
    expect(https.headers.get("strict-transport-security")).toMatch(/max-age=\d{7,}/);
  });

  it("keeps CORS closed: no Access-Control-Allow-* for any origin, preflight included", async () => {
    const preflight = await call(env.url, "OPTIONS", "/v1/contracts", {
      headers: {
        origin: "https://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization",
      },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(preflight.status).toBeLessThan(500);
    for (const name of [
      "access-control-allow-origin",
      "access-control-allow-credentials",
      "access-control-allow-methods",
      "access-control-allow-headers",
    ]) {
      expect(preflight.headers.get(name)).toBeNull();
    }
    const simple = await call(env.url, "GET", "/v1/me", {
      token: env.a.key.secret,
      headers: { origin: "https://evil.example" },
    });
    expect(simple.status).toBe(200);
    expect(simple.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("the console's session cookie is HttpOnly and SameSite=Strict, and a write with it needs the CSRF token and this region's origin", async () => {
    const session = await consoleLogin(env.url, env.a.org.owner.email);
    const [sessionCookie, csrfCookie] = session.setCookies;
    expect(sessionCookie).toMatch(/; HttpOnly; SameSite=Strict$/);
    expect(csrfCookie).toMatch(/; SameSite=Strict$/);
    const origin = new URL(env.url).origin;
    const write = (headers: Record<string, string>) =>
      call(env.url, "POST", "/v1/contracts", {
        headers: { cookie: session.cookie, ...headers },
        body: { title: "Written with the session cookie" },
      });
    const refusedHeaders: Record<string, string>[] = [
      {},
      { origin },
      { "x-csrf-token": session.csrf },
      { origin: "https://evil.example", "x-csrf-token": session.csrf },
      { origin: "null", "x-csrf-token": session.csrf },
      { referer: "https://evil.example/", "x-csrf-token": session.csrf },
    ];
    for (const headers of refusedHeaders) {
      const refused = await write(headers);
      expect({ headers, status: refused.status }).toEqual({ headers, status: 403 });
      expect(refused.body.error.code).toBe("FORBIDDEN");
    }
    expect((await write({ origin, "x-csrf-token": session.csrf })).status).toBe(201);

    // Another origin cannot get the headers it would need past CORS either.
    const preflight = await call(env.url, "OPTIONS", "/v1/auth/login", {
      headers: {
        origin: "https://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-clment-session, x-csrf-token, content-type",
      },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-headers")).toBeNull();
  });

  it("never shows a stack trace or internal detail in an error", async () => {
    const token = env.a.key.secret;
    const bad = await Promise.all([
      call(env.url, "POST", "/v1/contracts", {
        token,
        rawBody: "{not json",
        headers: { "content-type": "application/json" },
      }),
      call(env.url, "GET", "/v1/contracts/not-a-uuid", { token }),
      call(env.url, "GET", "/v1/contracts?sort=;drop table x", { token }),
      call(env.url, "GET", "/v1/%zz", { token }),
      call(env.url, "POST", "/v1/contracts", {
        token,
        rawBody: "a=b",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
    ]);
    for (const response of bad) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.body.error).toMatchObject({
        code: expect.any(String),
        message: expect.any(String),
      });
      expect(response.text).not.toMatch(
        /\bat .+:\d+:\d+|node_modules|\/work\/|kysely|postgres|SELECT /i,
      );
    }
  });
});
