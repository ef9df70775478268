import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { sql } from "kysely";
import { SSO_BINDING_HEADER, hashSecret } from "@clment/auth";
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
    // The test provider is on loopback over http: allowed here only, by the test-only flags.
    const defaults = loadSettingsConfig({});
    settings = await SettingsHarness.start({
      definition: createSettingsService({
        config: {
          ...defaults,
          webhooks: { ...defaults.webhooks, allowHttp: true, allowPrivateNetworks: true },
        },
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

  /** The browser's binding of the last sign-in started (what the gateway hands settings). */
  let binding: string | undefined;

  /** The binding cookie's value in a start's answer. */
  function bindingOf(response: { headers: Headers }): string {
    const [cookie, ...others] = response.headers.getSetCookie();
    expect(others).toEqual([]);
    const value = /^__Host-clment_sso=([\w-]{43}); /.exec(cookie ?? "")?.[1];
    expect(value).toBeDefined();
    return value!;
  }

  async function startAnswer(path: string) {
    const response = await settings.request("GET", path);
    expect(response.status).toBe(200);
    binding = bindingOf(response);
    return response.body.data.authorizationUrl as string;
  }

  const start = (email: string) =>
    startAnswer(`/v1/auth/sso/start?email=${encodeURIComponent(email)}`);

  /** The callback as the gateway sends it: with the browser's binding, unless told otherwise. */
  function callback(
    query: Record<string, string>,
    headers: Record<string, string> = {},
    /** null: none, as from a browser without the cookie. */
    withBinding: string | null | undefined = binding,
  ) {
    return settings.request("GET", `/v1/auth/sso/callback?${new URLSearchParams(query)}`, {
      headers: withBinding == null ? headers : { ...headers, [SSO_BINDING_HEADER]: withBinding },
    });
  }

  async function signInAs(account: { email: string; emailVerified: boolean; name?: string }) {
    const accountId = `acct-${uniqueId()}`;
    provider.addAccount(accountId, account);
    const authorizationUrl = await start(account.email);
    const query = await provider.authorize(authorizationUrl, accountId);
    return { query, response: await callback(query) };
  }

  /** A sign-in started (binding kept) and completed at the provider, not yet called back. */
  async function atProvider(email: string) {
    const accountId = `acct-${uniqueId()}`;
    provider.addAccount(accountId, { email, emailVerified: true });
    const query = await provider.authorize(await start(email), accountId);
    return { query, binding: binding! };
  }

  /** Whether the sign-in with this state is still pending. */
  const isPending = async (state: string) =>
    (
      await sql`select 1 from sso_logins where state_hash = ${hashSecret(state)}`.execute(
        settings.db,
      )
    ).rows.length === 1;

  it("starts at the provider with PKCE (S256), state, nonce and the region's redirect URI", async () => {
    const response = await settings.request(
      "GET",
      `/v1/auth/sso/start?email=${encodeURIComponent(`someone@${domain}`)}`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    // The browser that starts is bound to the sign-in: an HttpOnly, Strict cookie for its ten
    // minutes, of which the service keeps only the SHA-256.
    expect(response.headers.getSetCookie()).toEqual([
      expect.stringMatching(
        /^__Host-clment_sso=[\w-]{43}; Path=\/; Max-Age=600; HttpOnly; Secure; SameSite=Strict$/,
      ),
    ]);
    const started = bindingOf(response);
    const url = new URL(response.body.data.authorizationUrl);
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
    const { rows } = await sql<{ state_hash: string; binding_hash: string; expires_in: number }>`
      select state_hash, binding_hash, extract(epoch from expires_at - now())::int as expires_in
      from sso_logins where organization_id = ${acme.organization.id} order by created_at
    `.execute(settings.db);
    expect(rows.map((r) => r.state_hash)).not.toContain(url.searchParams.get("state"));
    expect(rows.at(-1)!.state_hash).toBe(hashSecret(url.searchParams.get("state")!));
    expect(rows.at(-1)!.binding_hash).toBe(hashSecret(started));
    expect(JSON.stringify(rows)).not.toContain(started);
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
    const cleared = "__Host-clment_sso=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict";
    const plain = await signInAs({ email: `owner@${domain}`, emailVerified: true });
    expect(plain.response.status).toBe(200);
    // Only the binding, used up, is cleared.
    expect(plain.response.headers.getSetCookie()).toEqual([cleared]);

    const accountId = `acct-${uniqueId()}`;
    provider.addAccount(accountId, { email: `owner@${domain}`, emailVerified: true });
    const query = await provider.authorize(await start(`owner@${domain}`), accountId);
    const response = await callback(query, { "x-clment-session": "cookie" });
    expect(response.status).toBe(200);
    const token = response.body.data.session.token as string;
    const [clearedBinding, session, csrf] = response.headers.getSetCookie();
    expect(clearedBinding).toBe(cleared);
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

  describe("bound to the browser that started it (login CSRF)", () => {
    it("refuses a callback without the starting browser's binding, and the link is used up", async () => {
      // The attacker starts and signs in at the provider as themselves, then sends the victim
      // the callback link: the victim's browser has no binding cookie for it.
      const before = await settings.request("GET", "/v1/settings/audit-log", { as: acme.identity });
      const { query, binding: attackers } = await atProvider(`owner@${domain}`);
      expect(await isPending(query.state!)).toBe(true);
      const refused = await callback(query, { "x-clment-session": "cookie" }, null);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toMatchObject({ code: "UNAUTHORIZED" });
      expect(refused.body.error.message).toMatch(/^This sign-in was started in another browser/);
      // No session cookie, the binding cookie cleared.
      expect(refused.headers.getSetCookie()).toEqual([
        "__Host-clment_sso=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
      ]);
      expect(JSON.stringify(refused.body)).not.toContain("clm_ses_");

      // Consumed: not even the browser that started it can use the link afterwards.
      expect(await isPending(query.state!)).toBe(false);
      const retried = await callback(query, {}, attackers);
      expect(retried.status).toBe(401);
      expect(retried.body.error.message).toMatch(/invalid, expired or already used/);

      // No login happened.
      const after = await settings.request("GET", "/v1/settings/audit-log", { as: acme.identity });
      expect(after.body.data.total).toBe(before.body.data.total);
    });

    it("refuses another browser's binding, an empty or oversized one, all used up", async () => {
      for (const wrong of ["", "x".repeat(5000), "not-the-binding"]) {
        const { query, binding: right } = await atProvider(`owner@${domain}`);
        const other = await atProvider(`owner@${domain}`); // another browser's sign-in
        const refused = await callback(
          query,
          {},
          wrong === "not-the-binding" ? other.binding : wrong,
        );
        expect({ wrong: wrong.slice(0, 20), status: refused.status }).toEqual({
          wrong: wrong.slice(0, 20),
          status: 401,
        });
        expect(refused.body.error.message).toMatch(/started in another browser/);
        const retried = await callback(query, {}, right);
        expect(retried.status).toBe(401);
        expect(retried.body.error.message).toMatch(/already used/);
        // The other browser's own sign-in is untouched and completes with its binding.
        const completed = await callback(other.query, {}, other.binding);
        expect(completed.status).toBe(200);
      }
    });

    it("signs in with the right binding, which works once", async () => {
      const { query, binding: right } = await atProvider(`owner@${domain}`);
      const signedIn = await callback(query, {}, right);
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.data.user.id).toBe(acme.user.id);
      const again = await callback(query, {}, right);
      expect(again.status).toBe(401);
    });
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
    const url = await startAnswer(`/v1/auth/sso/start?organizationId=${acme.organization.id}`);
    const query = await provider.authorize(url, accountId);
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
