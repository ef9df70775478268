import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { hashSecret } from "@clment/auth";
import { call } from "@clment/testing";
import { startSecurityRegion, type SecurityRegion } from "./support.js";

/** OWASP API3:2023: no secret leaves in a response; protected properties cannot be assigned. */
describe("API3 broken object property level authorization", () => {
  let env: SecurityRegion;

  beforeAll(async () => {
    env = await startSecurityRegion("api3");
  }, 60_000);
  afterAll(async () => env?.close());

  it("never returns a password hash, key hash, API key or webhook secret after creation", async () => {
    const owner = env.a.org.owner.token;
    const keySecret = env.a.key.secret;
    const created = await call(env.url, "POST", "/v1/settings/webhooks", {
      token: owner,
      body: { url: "http://127.0.0.1:9/other", events: ["contract.created"] },
    });
    expect(created.status).toBe(201);
    const webhookSecret = JSON.stringify(created.body.data).match(/whsec_[A-Za-z0-9_-]+/)?.[0];

    const texts: string[] = [];
    for (const [token, path] of [
      [owner, "/v1/me"],
      [keySecret, "/v1/me"],
      [owner, "/v1/settings/members"],
      [owner, "/v1/settings/api-keys"],
      [owner, "/v1/settings/webhooks"],
      [owner, `/v1/settings/webhooks/${created.body.data.webhook.id}`],
      [owner, "/v1/settings/integrations"],
      [owner, "/v1/settings/audit-log?take=100"],
      [owner, "/v1/settings/billing"],
      [keySecret, "/v1/contracts"],
    ] as const) {
      const response = await call(env.url, "GET", path, { token });
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      texts.push(response.text);
    }
    const login = await call(env.url, "POST", "/v1/auth/login", {
      body: { email: env.a.org.owner.email, password: "correct horse battery staple" },
    });
    texts.push(login.text);
    const all = texts.join("\n");
    expect(all).not.toMatch(/password_?hash|key_?hash|\$argon2|\$2[aby]\$/i);
    expect(all).not.toContain(keySecret);
    expect(all).not.toContain(hashSecret(keySecret));
    expect(all).not.toContain("correct horse battery staple");
    if (webhookSecret) expect(all).not.toContain(webhookSecret);
  });

  it("ignores or refuses organizationId, role and balance in request bodies", async () => {
    const a = env.a;
    const b = env.b;
    const created = await call(env.url, "POST", "/v1/contracts", {
      token: a.key.secret,
      body: { title: "Mass assignment", organizationId: b.org.organization.id, id: b.contractId },
    });
    if (created.status === 201) {
      expect(created.body.data.contract.id).not.toBe(b.contractId);
      const mine = await call(env.url, "GET", `/v1/contracts/${created.body.data.contract.id}`, {
        token: a.key.secret,
      });
      expect(mine.status).toBe(200);
    } else {
      expect(created.status).toBe(400);
    }
    // B never sees it.
    const theirs = await call(env.url, "GET", "/v1/contracts?take=100", { token: b.key.secret });
    expect(theirs.body.data.contracts.map((c: { title: string }) => c.title)).not.toContain(
      "Mass assignment",
    );

    const patched = await call(env.url, "PATCH", `/v1/contracts/${a.contractId}`, {
      token: a.key.secret,
      body: { organizationId: b.org.organization.id },
    });
    expect([200, 400]).toContain(patched.status);
    expect(
      (await call(env.url, "GET", `/v1/contracts/${a.contractId}`, { token: a.key.secret })).status,
    ).toBe(200);

    // Sign-up takes no role, balance or organization from the caller.
    const signup = await call(env.url, "POST", "/v1/auth/signup", {
      body: {
        organizationName: "Sneaky",
        name: "S",
        email: `sneaky-${Date.now()}@example.com`,
        password: "correct horse battery staple",
        role: "member",
        balance: 1_000_000,
        organizationId: b.org.organization.id,
      },
    });
    expect([201, 400]).toContain(signup.status);
    if (signup.status === 201) {
      expect(signup.body.data.organization.id).not.toBe(b.org.organization.id);
      const credits = await call(env.url, "GET", "/v1/credits", {
        token: signup.body.data.session.token,
      });
      expect(credits.body.data.balance.total).toBeLessThan(1_000_000);
    }
    const before = (await call(env.url, "GET", "/v1/credits", { token: a.key.secret })).body.data;
    const member = await call(env.url, "PATCH", `/v1/settings/members/${a.member.id}`, {
      token: a.org.owner.token,
      body: { role: "member", organizationId: b.org.organization.id, balance: 999 },
    });
    expect([200, 400]).toContain(member.status);
    const after = (await call(env.url, "GET", "/v1/credits", { token: a.key.secret })).body.data;
    expect(after.balance).toEqual(before.balance);
  });
});
