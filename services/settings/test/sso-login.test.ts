import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { sql } from "kysely";
import { startOidcProvider, uniqueId, type TestOidcProvider } from "@clment/testing";
import { loadSettingsConfig } from "../src/config.js";
import { ssoRedirectUri } from "../src/domain/sso-login.service.js";
import { createSettingsService } from "../src/service.js";
import { PUBLIC_BASE_URL, SettingsHarness, type SignedUp } from "./harness.js";

describe("signing in with single sign-on (OIDC, authorization code with PKCE)", () => {
  let settings: SettingsHarness;
  let provider: TestOidcProvider;
  let acme: SignedUp;
  let domain: string;

  beforeAll(async () => {
    provider = await startOidcProvider(ssoRedirectUri(PUBLIC_BASE_URL));
    const defaults = loadSettingsConfig({});
    settings = await SettingsHarness.start({
      definition: createSettingsService({
        config: { ...defaults, webhooks: { ...defaults.webhooks, allowHttp: true } },
      }),
    });
    domain = `acme-${uniqueId()}.test`;
    acme = await settings.signup({ email: `owner@${domain}` });
    const saved = await settings.request("PUT", "/v1/settings/sso", {
      as: acme.identity,
      body: {
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        allowedDomains: [domain],
      },
    });
    if (saved.status !== 200) throw new Error(`SSO configuration failed: ${saved.text}`);
  });
  afterAll(async () => {
    await settings?.close();
    await provider?.close();
  });

  async function start(email: string) {
    const response = await settings.request(
      "GET",
      `/v1/auth/sso/start?email=${encodeURIComponent(email)}`,
    );
    expect(response.status).toBe(200);
    return response.body.data.authorizationUrl as string;
  }

  function callback(query: Record<string, string>, headers: Record<string, string> = {}) {
    return settings.request("GET", `/v1/auth/sso/callback?${new URLSearchParams(query)}`, {
      headers,
    });
  }

  async function signInAs(account: { email: string; emailVerified: boolean; name?: string }) {
    const accountId = `acct-${uniqueId()}`;
    provider.addAccount(accountId, account);
    const authorizationUrl = await start(account.email);
    const query = await provider.authorize(authorizationUrl, accountId);
    return { query, response: await callback(query) };
  }

  it("starts at the provider with PKCE (S256), state, nonce and the region's redirect URI", async () => {
    const url = new URL(await start(`someone@${domain}`));
    expect(url.origin).toBe(provider.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: provider.clientId,
      response_type: "code",
      redirect_uri: "https://eu.clment.test/sso/callback",
      code_challenge_method: "S256",
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      state: expect.any(String),
      nonce: expect.any(String),
      login_hint: `someone@${domain}`,
      scope: expect.stringContaining("openid"),
    });
    // The verifier and nonce stay on the server; the state is stored only as a hash.
    const { rows } = await sql<{ state_hash: string; expires_in: number }>`
      select state_hash, extract(epoch from expires_at - now())::int as expires_in
      from sso_logins where organization_id = ${acme.organization.id}
    `.execute(settings.db);
    expect(rows.map((r) => r.state_hash)).not.toContain(url.searchParams.get("state"));
    expect(rows.at(-1)!.expires_in).toBeGreaterThan(500);
    expect(rows.at(-1)!.expires_in).toBeLessThanOrEqual(600);
  });

  it("signs an existing member in with a session that works on /v1/me, audited as an SSO login", async () => {
    const { response } = await signInAs({ email: `owner@${domain}`, emailVerified: true });
    expect(response.status).toBe(200);
    expect(response.body.data.user).toMatchObject({ id: acme.user.id, role: "owner" });
    const token = response.body.data.session.token as string;
    const me = await settings.request("GET", "/v1/me", {
      as: await settings.identityOf("session", token),
    });
    expect(me.status).toBe(200);
    expect(me.body.data.principal).toMatchObject({ type: "user", id: acme.user.id, role: "owner" });
    expect(me.body.data.organization.id).toBe(acme.organization.id);

    const audit = await settings.request("GET", "/v1/settings/audit-log", { as: acme.identity });
    expect(audit.body.data.entries[0]).toMatchObject({
      action: "auth.login",
      actor: { type: "user", id: acme.user.id },
      metadata: { sso: true },
    });
  });

  it("sets the console's session cookies on the callback only when asked (X-Clment-Session: cookie)", async () => {
    const plain = await signInAs({ email: `owner@${domain}`, emailVerified: true });
    expect(plain.response.headers.getSetCookie()).toEqual([]);

    const accountId = `acct-${uniqueId()}`;
    provider.addAccount(accountId, { email: `owner@${domain}`, emailVerified: true });
    const query = await provider.authorize(await start(`owner@${domain}`), accountId);
    const response = await callback(query, { "x-clment-session": "cookie" });
    expect(response.status).toBe(200);
    const token = response.body.data.session.token as string;
    const [session, csrf] = response.headers.getSetCookie();
    expect(session).toMatch(
      new RegExp(
        `^__Host-clment_session=${token}; Path=/; Max-Age=\\d+; HttpOnly; Secure; SameSite=Strict$`,
      ),
    );
    expect(csrf).toMatch(
      /^__Host-clment_csrf=[\w-]{43}; Path=\/; Max-Age=\d+; Secure; SameSite=Strict$/,
    );
  });

  it("provisions a new verified email of an allowed domain as an active member", async () => {
    const email = `new-${uniqueId()}@${domain}`;
    const { response } = await signInAs({ email, emailVerified: true, name: "Nia New" });
    expect(response.status).toBe(200);
    expect(response.body.data.user).toMatchObject({
      email,
      name: "Nia New",
      role: "member",
      status: "active",
    });
    const identity = await settings.identityOf("session", response.body.data.session.token);
    expect(identity).toMatchObject({ organizationId: acme.organization.id, role: "member" });
    const members = await settings.request("GET", "/v1/settings/members", { as: acme.identity });
    expect(members.body.data.members.map((m: { email: string }) => m.email)).toContain(email);
    const events = await settings.outbox(acme.organization.id);
    expect(events.map((e) => e.type)).toContain("member.joined");

    // They have no password: password login fails for them like a wrong one.
    const password = await settings.request("POST", "/v1/auth/login", {
      body: { email, password: "anything at all" },
    });
    expect(password.status).toBe(401);

    // The second time, the same member is matched, not provisioned again.
    const again = await signInAs({ email, emailVerified: true });
    expect(again.response.status).toBe(200);
    expect(again.response.body.data.user.id).toBe(response.body.data.user.id);
  });

  it("refuses a state used twice, an unknown state and an expired one with 401", async () => {
    const { query, response } = await signInAs({ email: `owner@${domain}`, emailVerified: true });
    expect(response.status).toBe(200);
    const reused = await callback(query);
    expect(reused.status).toBe(401);
    expect(reused.body.error.code).toBe("UNAUTHORIZED");
    expect(reused.body.error.message).toMatch(/invalid, expired or already used/);

    const unknown = await callback({ code: "whatever", state: "not-a-state" });
    expect(unknown.status).toBe(401);

    const accountId = `acct-${uniqueId()}`;
    provider.addAccount(accountId, { email: `owner@${domain}`, emailVerified: true });
    const late = await provider.authorize(await start(`owner@${domain}`), accountId);
    await sql`update sso_logins set expires_at = now() - interval '1 second'
      where organization_id = ${acme.organization.id}`.execute(settings.db);
    const expired = await callback(late);
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toMatch(/expired/);
  });

  it("refuses an email the provider does not say is verified, and provisions no one", async () => {
    const email = `unverified-${uniqueId()}@${domain}`;
    const { response } = await signInAs({ email, emailVerified: false });
    expect(response.status).toBe(401);
    expect(response.body.error.message).toMatch(/verified email/);
    const { rows } = await sql`select 1 from users where email = ${email}`.execute(settings.db);
    expect(rows).toHaveLength(0);
  });

  it("answers 401 with the provider's reason for a bad code, never 500", async () => {
    const url = new URL(await start(`owner@${domain}`));
    const state = url.searchParams.get("state")!;
    const bad = await callback({ code: "forged-code", state, iss: provider.issuer });
    expect(bad.status).toBe(401);
    expect(bad.body.error.message).toMatch(/^Single sign-on failed: /);

    const url2 = new URL(await start(`owner@${domain}`));
    const denied = await callback({
      state: url2.searchParams.get("state")!,
      error: "access_denied",
      error_description: "the user said no",
      iss: provider.issuer,
    });
    expect(denied.status).toBe(401);
    expect(denied.body.error.message).toContain("the user said no");
  });

  it("matches only the organization whose SSO allows the domain; another org's email finds none", async () => {
    const other = await settings.signup({ email: `owner@other-${uniqueId()}.test` });
    const miss = await settings.request(
      "GET",
      `/v1/auth/sso/start?email=${encodeURIComponent(other.user.email)}`,
    );
    expect(miss.status).toBe(404);
    expect(miss.body.error.code).toBe("NOT_FOUND");
    // Named explicitly, an organization without SSO is not found either.
    const unconfigured = await settings.request(
      "GET",
      `/v1/auth/sso/start?organizationId=${other.organization.id}`,
    );
    expect(unconfigured.status).toBe(404);
    const named = await settings.request(
      "GET",
      `/v1/auth/sso/start?organizationId=${acme.organization.id}&email=someone@elsewhere.test`,
    );
    expect(named.status).toBe(404);

    // Acme's provider vouching for the other organization's owner does not sign them into Acme.
    const accountId = `acct-${uniqueId()}`;
    provider.addAccount(accountId, { email: other.user.email, emailVerified: true });
    const url = await settings.request(
      "GET",
      `/v1/auth/sso/start?organizationId=${acme.organization.id}`,
    );
    expect(url.status).toBe(200);
    const query = await provider.authorize(url.body.data.authorizationUrl, accountId);
    const refused = await callback(query);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/another organization/);
  });

  it("validates the start query", async () => {
    for (const path of [
      "/v1/auth/sso/start",
      "/v1/auth/sso/start?email=not-an-email",
      "/v1/auth/sso/start?organizationId=nope",
      "/v1/auth/sso/callback?code=abc",
    ]) {
      const response = await settings.request("GET", path);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
    }
  });
});
