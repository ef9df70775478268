import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import {
  generateSessionToken,
  IDENTITY_HEADER,
  IdentityTokens,
  SessionCookies,
  SSO_BINDING_HEADER,
} from "@clment/auth";
import { call, startRecordingServer, type RecordingServer } from "@clment/testing";
import { loadGatewayConfig, startGateway, type RunningGateway } from "../src/index.js";
import { gatewayRegion } from "./support/gateway-region.js";

/** The gateway of a local region (http): the cookies are named by its public port. */
const PUBLIC_BASE_URL = "http://localhost:7200/v1";
const ORIGIN = "http://localhost:7200";

describe("the gateway with the console's session cookie, in front of a recording upstream", () => {
  const region = gatewayRegion("gw-cookie");
  const { secret, cachedCredential } = region;
  const cookies = new SessionCookies({ publicBaseUrl: PUBLIC_BASE_URL, secret });
  const tokens = new IdentityTokens(secret, "eu");
  let upstream: RecordingServer;
  let gateway: RunningGateway;

  const userSession = () =>
    cachedCredential({
      type: "user",
      id: "5d0c3c1e-96a4-4f7e-8d55-1b2f7f4f0a01",
      sessionId: "9b7e0e1a-7a3e-4a55-9f3b-1f6a2e8c4d02",
    });

  beforeAll(async () => {
    upstream = await startRecordingServer();
    gateway = await startGateway(
      loadGatewayConfig(region.env(upstream.url, { PUBLIC_BASE_URL, UPSTREAM_TIMEOUT_MS: "1000" })),
    );
  });

  beforeEach(() => {
    upstream.requests.length = 0;
    upstream.respond(() => ({ status: 200, body: '{"data":{}}' }));
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await region.close();
  });

  it("authenticates with the cookie, and never sends the Cookie header (or a credential) upstream", async () => {
    const token = await userSession();
    const cookie = `theme=dark; ${cookies.sessionName}=${token}; ${cookies.csrfName}=${cookies.csrfToken(token)}`;
    expect((await call(gateway.url, "GET", "/v1/contracts", { headers: { cookie } })).status).toBe(
      200,
    );
    const created = await call(gateway.url, "POST", "/v1/contracts", {
      headers: { cookie, origin: ORIGIN, "x-csrf-token": cookies.csrfToken(token) },
      body: { title: "x" },
    });
    expect(created.status).toBe(200);

    expect(upstream.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /v1/contracts",
      "POST /v1/contracts",
    ]);
    for (const request of upstream.requests) {
      expect(request.headers.cookie).toBeUndefined();
      expect(request.headers.authorization).toBeUndefined();
      const identity = await tokens.verify(String(request.headers[IDENTITY_HEADER]));
      expect(identity.principal).toMatchObject({ type: "user" });
      expect(JSON.stringify(request.headers)).not.toContain(token);
    }
  });

  it("strips cookies from public routes and Bearer requests too", async () => {
    const session = await userSession();
    const key = await cachedCredential({
      type: "api_key",
      id: "3a3c7e9e-0c55-4d0e-9f3e-5e6f7a8b9c03",
    });
    const cookie = `${cookies.sessionName}=${session}`;
    await call(gateway.url, "POST", "/v1/auth/login", {
      headers: { cookie, "x-clment-session": "cookie" },
      body: { email: "a@example.com", password: "x" },
    });
    await call(gateway.url, "GET", "/v1/contracts", { token: key, headers: { cookie } });
    expect(upstream.requests).toHaveLength(2);
    const [login, withBearer] = upstream.requests;
    expect(login!.headers.cookie).toBeUndefined();
    // The console's opt-in reaches settings, which sets the cookies.
    expect(login!.headers["x-clment-session"]).toBe("cookie");
    expect(withBearer!.headers.cookie).toBeUndefined();
    const identity = await tokens.verify(String(withBearer!.headers[IDENTITY_HEADER]));
    expect(identity.principal).toMatchObject({ type: "api_key" });
  });

  it("passes settings' Set-Cookie back to the browser", async () => {
    const session = { token: generateSessionToken(), expiresAt: new Date(Date.now() + 60_000) };
    const setCookies = cookies.issue(session);
    // The recording server takes one value per header; the gateway passes what it gets.
    upstream.respond(() => ({ status: 200, headers: { "set-cookie": setCookies[0]! } }));
    const login = await call(gateway.url, "POST", "/v1/auth/login", {
      headers: { "x-clment-session": "cookie" },
      body: {},
    });
    expect(login.headers.getSetCookie()).toEqual([setCookies[0]]);
  });

  it("refuses a cookie write without CSRF token or from another origin before asking any store or service", async () => {
    const token = generateSessionToken(); // unknown: a store lookup would say 401
    const cookie = `${cookies.sessionName}=${token}`;
    const csrf = cookies.csrfToken(token);
    const cases: Record<string, string>[] = [
      { cookie, origin: ORIGIN },
      { cookie, origin: "http://localhost:7100", "x-csrf-token": csrf },
      { cookie, "x-csrf-token": csrf },
    ];
    for (const headers of cases) {
      const refused = await call(gateway.url, "DELETE", "/v1/contracts/1", { headers });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe("FORBIDDEN");
    }
    expect(upstream.requests).toEqual([]);
  });

  describe("the SSO binding cookie (login CSRF)", () => {
    const binding = "b1nding-value_from-the-browser-cookie-43chr";

    it("reaches settings as X-Clment-SSO-Binding on GET /v1/auth/sso/callback, never as a Cookie", async () => {
      const session = await userSession();
      const cookie = `theme=dark; ${cookies.sessionName}=${session}; ${cookies.ssoBindingName}=${binding}`;
      const callback = await call(gateway.url, "GET", "/v1/auth/sso/callback?code=c&state=s", {
        headers: { cookie, "x-clment-session": "cookie" },
      });
      expect(callback.status).toBe(200);
      // However the path is spelled, it is the callback the gateway decided on.
      await call(gateway.url, "GET", "/v1/auth/SSO/./callback?state=s", { headers: { cookie } });
      expect(upstream.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        "GET /v1/auth/sso/callback?code=c&state=s",
        "GET /v1/auth/SSO/callback?state=s",
      ]);
      for (const request of upstream.requests) {
        expect(request.headers[SSO_BINDING_HEADER]).toBe(binding);
        expect(request.headers.cookie).toBeUndefined();
        expect(JSON.stringify(request.headers)).not.toContain(session);
      }
    });

    it("is not passed on to any other route, nor for another method on the callback", async () => {
      const token = await userSession();
      const cookie = `${cookies.sessionName}=${token}; ${cookies.ssoBindingName}=${binding}`;
      await call(gateway.url, "GET", "/v1/auth/sso/start?email=a@example.com", {
        headers: { cookie },
      });
      await call(gateway.url, "POST", "/v1/auth/sso/callback", { headers: { cookie }, body: {} });
      await call(gateway.url, "GET", "/v1/auth/sso/callback/more", { headers: { cookie } });
      await call(gateway.url, "GET", "/v1/contracts", { headers: { cookie } });
      expect(upstream.requests).toHaveLength(4);
      for (const request of upstream.requests) {
        expect(request.headers[SSO_BINDING_HEADER]).toBeUndefined();
        expect(request.headers.cookie).toBeUndefined();
      }
    });

    it("drops a client-sent X-Clment-SSO-Binding header on every route, the callback included", async () => {
      const forged = { [SSO_BINDING_HEADER]: "forged-by-the-client" };
      const key = await cachedCredential({
        type: "api_key",
        id: "3a3c7e9e-0c55-4d0e-9f3e-5e6f7a8b9c04",
      });
      // Without the cookie: nothing reaches settings; with it, the cookie's value wins.
      await call(gateway.url, "GET", "/v1/auth/sso/callback?state=s", { headers: forged });
      await call(gateway.url, "GET", "/v1/auth/sso/callback?state=s", {
        headers: { ...forged, cookie: `${cookies.ssoBindingName}=${binding}` },
      });
      await call(gateway.url, "GET", "/v1/auth/sso/start?email=a@example.com", {
        headers: forged,
      });
      await call(gateway.url, "GET", "/v1/contracts", { token: key, headers: forged });
      const sent = upstream.requests.map((r) => r.headers[SSO_BINDING_HEADER]);
      expect(sent).toEqual([undefined, binding, undefined, undefined]);
    });

    it("another region's binding cookie (another port) is not this region's", async () => {
      await call(gateway.url, "GET", "/v1/auth/sso/callback?state=s", {
        headers: { cookie: `clment_sso_7100=${binding}` },
      });
      expect(upstream.requests[0]!.headers[SSO_BINDING_HEADER]).toBeUndefined();
    });
  });
});
