import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { Redis } from "ioredis";
import { credentialCacheKey, generateSessionToken, hashSecret, SessionCookies } from "@clment/auth";
import { call, testSecret, TEST_REDIS_URL, uniqueId } from "@clment/testing";
import {
  consoleLogin,
  newApiKey,
  newMember,
  newOrganization,
  PASSWORD,
  startTestRegion,
  type ConsoleSession,
  type NewOrganization,
  type TestRegion,
} from "../src/factories.js";

/** The region believes it is served at this https origin (a TLS proxy in front of it). */
const ORIGIN = "https://us.clment.test";
const SESSION = "__Host-clment_session";
const CSRF = "__Host-clment_csrf";
const CONSOLE = { "x-clment-session": "cookie" };

describe("the console's session in an httpOnly cookie, with CSRF protection, through a region", () => {
  let region: TestRegion;
  let url: string;
  let redis: Redis;
  let sql: pg.Client;
  let org: NewOrganization;

  /** A request as the console's browser sends it: its cookies, and for writes Origin and CSRF. */
  const fromConsole = (
    session: ConsoleSession,
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    call(url, method, path, {
      body: options.body,
      headers: {
        ...CONSOLE,
        cookie: session.cookie,
        origin: ORIGIN,
        "x-csrf-token": session.csrf,
        ...options.headers,
      },
    });

  /** The same request without some of what the browser would send. */
  const without = (headers: Record<string, string>, ...names: string[]) =>
    Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));

  const cookieCall = (
    session: ConsoleSession,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ) => call(url, method, path, { headers: { cookie: session.cookie, ...headers }, body });

  const expectCleared = (setCookies: string[]) => {
    expect(setCookies).toEqual([
      `${SESSION}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`,
      `${CSRF}=; Path=/; Max-Age=0; Secure; SameSite=Strict`,
    ]);
  };

  beforeAll(async () => {
    region = await startTestRegion("session_cookie", { publicBaseUrl: `${ORIGIN}/v1` });
    url = region.url;
    redis = new Redis(TEST_REDIS_URL);
    sql = new pg.Client({ connectionString: region.databaseUrl });
    await sql.connect();
    org = await newOrganization(url);
  }, 60_000);

  afterAll(async () => {
    redis?.disconnect();
    await sql?.end();
    await region?.close();
  });

  it("sets no cookie for plain API clients: signup, login and accept-invite without X-Clment-Session", async () => {
    const signup = await call(url, "POST", "/v1/auth/signup", {
      body: {
        organizationName: "Plain",
        name: "P",
        email: `p-${uniqueId()}@example.com`,
        password: PASSWORD,
      },
    });
    expect(signup.status).toBe(201);
    expect(signup.headers.getSetCookie()).toEqual([]);
    const login = await call(url, "POST", "/v1/auth/login", {
      body: { email: org.owner.email, password: PASSWORD },
      headers: { "x-clment-session": "bearer" },
    });
    expect(login.status).toBe(200);
    expect(login.headers.getSetCookie()).toEqual([]);
    expect(login.body.data.session.token).toMatch(/^clm_ses_/);
  });

  it("login, signup and accept-invite from the console set an HttpOnly, Secure, SameSite=Strict session cookie and a readable CSRF cookie", async () => {
    const login = await call(url, "POST", "/v1/auth/login", {
      body: { email: org.owner.email, password: PASSWORD },
      headers: CONSOLE,
    });
    expect(login.status).toBe(200);
    const { token, expiresAt } = login.body.data.session;
    const [session, csrf, ...rest] = login.headers.getSetCookie();
    expect(rest).toEqual([]);
    const maxAge = Number(/Max-Age=(\d+)/.exec(session!)?.[1]);
    expect(Math.abs(maxAge - (Date.parse(expiresAt) - Date.now()) / 1000)).toBeLessThan(10);
    expect(session).toBe(
      `${SESSION}=${token}; Path=/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Strict`,
    );
    expect(csrf).toMatch(
      new RegExp(`^${CSRF}=[A-Za-z0-9_-]{43}; Path=/; Max-Age=${maxAge}; Secure; SameSite=Strict$`),
    );
    expect(csrf).not.toContain(token);
    expect(login.headers.get("cache-control")).toBe("no-store");

    const signup = await call(url, "POST", "/v1/auth/signup", {
      body: {
        organizationName: "Console",
        name: "C",
        email: `c-${uniqueId()}@example.com`,
        password: PASSWORD,
      },
      headers: CONSOLE,
    });
    expect(signup.status).toBe(201);
    expect(signup.headers.getSetCookie()[0]).toContain(
      `${SESSION}=${signup.body.data.session.token}; Path=/;`,
    );

    const invited = await call(url, "POST", "/v1/settings/members", {
      token: org.owner.token,
      body: { email: `m-${uniqueId()}@example.com`, name: "Mo", role: "member" },
    });
    const accepted = await call(url, "POST", "/v1/auth/accept-invite", {
      body: { token: invited.body.data.inviteToken, name: "Mo", password: PASSWORD },
      headers: CONSOLE,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.headers.getSetCookie().map((c) => c.split("=", 1)[0])).toEqual([SESSION, CSRF]);
  });

  it("a GET with the session cookie alone works, without Origin or CSRF token", async () => {
    const session = await consoleLogin(url, org.owner.email);
    const me = await call(url, "GET", "/v1/me", { headers: { cookie: session.cookie } });
    expect(me.status).toBe(200);
    expect(me.body.data.principal).toMatchObject({ type: "user", role: "owner" });
    expect(me.headers.get("ratelimit-limit")).not.toBeNull();
    const keys = await call(url, "GET", "/v1/settings/api-keys", {
      headers: { cookie: `other=1; ${session.cookie}; more=2` },
    });
    expect(keys.status).toBe(200);
  });

  it("a write with the cookie needs the session's CSRF token: none or another session's is 403", async () => {
    const session = await consoleLogin(url, org.owner.email);
    const other = await consoleLogin(url, org.owner.email);
    const headers = {
      origin: ORIGIN,
      "x-csrf-token": session.csrf,
      "content-type": "application/json",
    };
    const body = { label: "from the console" };

    for (const wrong of [
      without(headers, "x-csrf-token"),
      { ...headers, "x-csrf-token": other.csrf },
      { ...headers, "x-csrf-token": "" },
      { ...headers, "x-csrf-token": session.csrf.slice(0, -1) },
      { ...headers, "x-csrf-token": session.token },
    ]) {
      const refused = await cookieCall(session, "POST", "/v1/settings/api-keys", wrong, body);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({
        code: "FORBIDDEN",
        message: expect.stringContaining("X-CSRF-Token"),
      });
      // A CSRF failure does not sign the user out.
      expect(refused.headers.getSetCookie()).toEqual([]);
    }
    for (const method of ["PATCH", "PUT", "DELETE"]) {
      const refused = await cookieCall(session, method, "/v1/settings/organization", {
        origin: ORIGIN,
      });
      expect({ method, status: refused.status }).toEqual({ method, status: 403 });
    }
    const list = await call(url, "GET", "/v1/settings/api-keys", { token: org.owner.token });
    expect(list.body.data.apiKeys).not.toContainEqual(expect.objectContaining(body));

    const created = await cookieCall(session, "POST", "/v1/settings/api-keys", headers, body);
    expect(created.status).toBe(201);
    const renamed = await fromConsole(session, "PATCH", "/v1/settings/organization", {
      body: { name: "Renamed from the console" },
    });
    expect(renamed.status).toBe(200);
  });

  it("a write with the cookie from another origin is 403, by Origin or else by Referer", async () => {
    const session = await consoleLogin(url, org.owner.email);
    const csrf = { "x-csrf-token": session.csrf };
    const cases: [Record<string, string>, number][] = [
      [{ ...csrf, origin: "https://evil.example" }, 403],
      [{ ...csrf, origin: "null" }, 403],
      [{ ...csrf, origin: "http://us.clment.test" }, 403],
      [{ ...csrf, origin: `${ORIGIN}.evil.example` }, 403],
      [{ ...csrf, origin: "https://evil.example", referer: `${ORIGIN}/` }, 403],
      [{ ...csrf, referer: "https://evil.example/#/" }, 403],
      [{ ...csrf }, 403],
      [{ ...csrf, referer: `${ORIGIN}/#/settings/api-keys` }, 201],
      [{ ...csrf, origin: ORIGIN }, 201],
    ];
    for (const [headers, status] of cases) {
      const response = await cookieCall(session, "POST", "/v1/settings/api-keys", headers, {
        label: "origin check",
      });
      expect({ headers, status: response.status }).toEqual({ headers, status });
      if (status === 403) expect(response.body.error.message).toContain("origin");
    }
  });

  it("an API key (or anything but a session token) in the session cookie is 401, and the cookies are cleared", async () => {
    const key = await newApiKey(url, org.owner.token);
    const cookies = new SessionCookies({ publicBaseUrl: ORIGIN, secret: testSecret("us") });
    for (const value of [key.secret, "garbage", "", generateSessionToken()]) {
      for (const method of ["GET", "POST"]) {
        // Even with a CSRF value made for it: a cookie holds a session or nothing.
        const response = await call(url, method, "/v1/contracts", {
          headers: {
            cookie: `${SESSION}=${value}`,
            origin: ORIGIN,
            "x-csrf-token": cookies.csrfToken(value),
          },
        });
        expect({ value, method, status: response.status }).toEqual({ value, method, status: 401 });
        expect(response.body.error.code).toBe("UNAUTHORIZED");
        expectCleared(response.headers.getSetCookie());
      }
    }
    // Cookies of other names are not credentials at all.
    const other = await call(url, "GET", "/v1/me", {
      headers: { cookie: `clment_session=${key.secret}` },
    });
    expect(other.status).toBe(401);
    expect(other.headers.getSetCookie()).toEqual([]);
  });

  it("with an Authorization header the cookie is ignored: Bearer wins, needs no CSRF token and falls back to nothing", async () => {
    const session = await consoleLogin(url, org.owner.email);
    const otherOrg = await newOrganization(url);
    const key = await newApiKey(url, otherOrg.owner.token);

    const me = await call(url, "GET", "/v1/me", {
      token: key.secret,
      headers: { cookie: session.cookie },
    });
    expect(me.status).toBe(200);
    expect(me.body.data.principal).toMatchObject({ type: "api_key", id: key.id });
    expect(me.body.data.organization.id).toBe(otherOrg.organization.id);

    const created = await call(url, "POST", "/v1/contracts", {
      token: key.secret,
      headers: { cookie: session.cookie, origin: "https://evil.example" },
      body: { title: "Bearer wins" },
    });
    expect(created.status).toBe(201);

    for (const authorization of [`Bearer ${generateSessionToken()}`, "", "Basic x"]) {
      const refused = await call(url, "GET", "/v1/me", {
        headers: { authorization, cookie: session.cookie },
      });
      expect({ authorization, status: refused.status }).toEqual({ authorization, status: 401 });
      expect(refused.headers.getSetCookie()).toEqual([]);
    }
    // The cookie's session is untouched.
    expect((await call(url, "GET", "/v1/me", { headers: { cookie: session.cookie } })).status).toBe(
      200,
    );
  });

  it("logout from the console revokes the session and clears both cookies; the old cookie then gets 401", async () => {
    const session = await consoleLogin(url, org.owner.email);
    const refused = await cookieCall(session, "POST", "/v1/auth/logout", {
      ...CONSOLE,
      origin: ORIGIN,
    });
    expect(refused.status).toBe(403);

    const logout = await fromConsole(session, "POST", "/v1/auth/logout");
    expect(logout.status).toBe(200);
    expect(logout.body.data).toEqual({ loggedOut: true });
    expectCleared(logout.headers.getSetCookie());

    const after = await call(url, "GET", "/v1/me", { headers: { cookie: session.cookie } });
    expect(after.status).toBe(401);
    expectCleared(after.headers.getSetCookie());
    expect(
      (await fromConsole(session, "POST", "/v1/contracts", { body: { title: "x" } })).status,
    ).toBe(401);
    expect((await call(url, "GET", "/v1/me", { token: session.token })).status).toBe(401);

    // A Bearer logout without the console's header sets no cookie.
    const plain = await call(url, "POST", "/v1/auth/logout", {
      token: (await consoleLogin(url, org.owner.email)).token,
    });
    expect(plain.status).toBe(200);
    expect(plain.headers.getSetCookie()).toEqual([]);
  });

  it("an expired session cookie gets 401 and is cleared", async () => {
    const session = await consoleLogin(url, org.owner.email);
    expect((await call(url, "GET", "/v1/me", { headers: { cookie: session.cookie } })).status).toBe(
      200,
    );
    await sql.query(
      "update settings.sessions set expires_at = now() - interval '1 second' where token_hash = $1",
      [hashSecret(session.token)],
    );
    await redis.del(credentialCacheKey(region.redisPrefix, hashSecret(session.token)));
    const expired = await call(url, "GET", "/v1/me", { headers: { cookie: session.cookie } });
    expect(expired.status).toBe(401);
    expectCleared(expired.headers.getSetCookie());
  });

  it("a removed member's session cookie stops working", async () => {
    const member = await newMember(url, org.owner.token);
    const session = await consoleLogin(url, member.email);
    expect(
      (await call(url, "GET", "/v1/contracts", { headers: { cookie: session.cookie } })).status,
    ).toBe(200);
    // Members stay out of settings with a cookie as with a Bearer token.
    expect((await fromConsole(session, "GET", "/v1/settings/members")).status).toBe(403);
    const removed = await call(url, "DELETE", `/v1/settings/members/${member.id}`, {
      token: org.owner.token,
    });
    expect(removed.status).toBe(200);
    expect(
      (await call(url, "GET", "/v1/contracts", { headers: { cookie: session.cookie } })).status,
    ).toBe(401);
  });
});
