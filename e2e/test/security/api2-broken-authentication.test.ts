import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { sql, type Kysely } from "kysely";
import { generateApiKey, generateSessionToken, IdentityTokens, SessionCookies } from "@clment/auth";
import { call, testSecret } from "@clment/testing";
import { consoleLogin, newApiKey, newOrganization, startTestRegion } from "../../src/factories.js";
import { startSecurityRegion, type SecurityRegion } from "./support.js";

/** OWASP API2:2023: every malformed, unknown, revoked, expired or foreign credential is 401. */
describe("API2 broken authentication", () => {
  let env: SecurityRegion;

  beforeAll(async () => {
    env = await startSecurityRegion("api2");
  }, 60_000);
  afterAll(async () => env?.close());

  async function expect401(authorization: string | undefined, path = "/v1/contracts") {
    const response = await call(env.url, "GET", path, {
      headers: authorization === undefined ? {} : { authorization },
    });
    expect({ authorization, status: response.status }).toEqual({ authorization, status: 401 });
    expect(response.body.error.code).toBe("UNAUTHORIZED");
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
  }

  it("refuses missing, malformed, mistyped and unknown credentials on every route family", async () => {
    const key = env.a.key.secret;
    const typo = key.slice(0, -1) + (key.endsWith("a") ? "b" : "a");
    for (const authorization of [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      `Basic ${Buffer.from("a:b").toString("base64")}`,
      `bearer${key}`,
      `Bearer ${key} extra`,
      `Bearer ${typo}`,
      `Bearer ${key.toUpperCase()}`,
      `Bearer ${generateApiKey()}`,
      `Bearer ${generateSessionToken()}`,
      "Bearer ' OR 1=1 --",
      `Bearer ${"x".repeat(10_000)}`,
    ]) {
      await expect401(authorization);
    }
    for (const path of [
      "/v1/me",
      "/v1/contracts",
      "/v1/key-dates",
      "/v1/reminders",
      "/v1/search?q=x",
      "/v1/playbooks",
      "/v1/reviews",
      "/v1/credits",
      "/v1/auth/logout",
      "/v1/settings/members",
      "/v1/settings/billing",
    ]) {
      await expect401(`Bearer ${generateApiKey()}`, path);
    }
  });

  it("refuses a revoked key, a logged-out session and an expired key", async () => {
    const revoked = await newApiKey(env.url, env.a.org.owner.token);
    expect((await call(env.url, "GET", "/v1/me", { token: revoked.secret })).status).toBe(200);
    await call(env.url, "POST", `/v1/settings/api-keys/${revoked.id}/revoke`, {
      token: env.a.org.owner.token,
    });
    await expect401(`Bearer ${revoked.secret}`);

    const session = (
      await call(env.url, "POST", "/v1/auth/login", {
        body: { email: env.a.org.owner.email, password: "correct horse battery staple" },
      })
    ).body.data.session.token as string;
    expect((await call(env.url, "GET", "/v1/me", { token: session })).status).toBe(200);
    expect(
      (await call(env.url, "POST", "/v1/auth/logout", { token: session })).status,
    ).toBeLessThan(300);
    await expect401(`Bearer ${session}`);

    const expiring = await newApiKey(env.url, env.a.org.owner.token, { expiresInDays: 7 });
    const db = env.region.services.settings.context.db as Kysely<unknown>;
    await sql`update settings.api_keys set expires_at = now() - interval '1 second'
              where id = ${expiring.id}`.execute(db);
    await expect401(`Bearer ${expiring.secret}`);
  });

  it("takes the console's session cookie only for a live session: an API key, a made-up or a logged-out session in it is 401, and cleared", async () => {
    const cookies = new SessionCookies({
      publicBaseUrl: `${env.url}/v1`,
      secret: testSecret("eu"),
    });
    const loggedOut = await consoleLogin(env.url, env.a.org.owner.email);
    await call(env.url, "POST", "/v1/auth/logout", { token: loggedOut.token });
    for (const value of [
      env.a.key.secret,
      generateSessionToken(),
      loggedOut.token,
      `${loggedOut.token}x`,
      "x".repeat(4_000),
    ]) {
      for (const path of ["/v1/me", "/v1/contracts", "/v1/settings/members"]) {
        const response = await call(env.url, "GET", path, {
          headers: { cookie: `${cookies.sessionName}=${value}` },
        });
        expect({ value, path, status: response.status }).toEqual({ value, path, status: 401 });
        expect(response.body.error.code).toBe("UNAUTHORIZED");
        expect(response.headers.getSetCookie()[0]).toBe(
          `${cookies.sessionName}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`,
        );
      }
    }
  });

  it("refuses a credential of another region, and ignores a forged identity header", async () => {
    const us = await startTestRegion("api2_us");
    try {
      const usOrg = await newOrganization(us.url);
      const usKey = await newApiKey(us.url, usOrg.owner.token);
      expect((await call(us.url, "GET", "/v1/me", { token: usKey.secret })).status).toBe(200);
      await expect401(`Bearer ${usKey.secret}`);
      await expect401(`Bearer ${usOrg.owner.token}`);
    } finally {
      await us.close();
    }

    // An identity token made by the caller (even with the right region's secret) is dropped.
    const forged = await new IdentityTokens(testSecret("eu"), "eu").sign({
      organizationId: env.b.org.organization.id,
      principal: { type: "user", id: env.b.org.owner.id },
      role: "owner",
      region: "eu",
    } as never);
    const response = await call(env.url, "GET", "/v1/contracts", {
      headers: { "x-clment-identity": forged },
    });
    expect(response.status).toBe(401);
    // And a service refuses a token signed with another secret.
    const wrongSecret = await new IdentityTokens(testSecret("other"), "eu").sign({
      organizationId: env.b.org.organization.id,
      principal: { type: "user", id: env.b.org.owner.id },
      role: "owner",
      region: "eu",
    } as never);
    const direct = await call(env.region.services.contracts.url, "GET", "/v1/contracts", {
      headers: { "x-clment-identity": wrongSecret },
    });
    expect(direct.status).toBe(401);
  });
});
