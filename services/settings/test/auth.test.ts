import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { credentialCacheKey, hashSecret, INVALID_CREDENTIAL } from "@clment/auth";
import { uniqueId } from "@clment/testing";
import { PASSWORD, PUBLIC_BASE_URL, REGION, SettingsHarness } from "./harness.js";

describe("sign-up, login, me and logout", () => {
  let settings: SettingsHarness;
  beforeAll(async () => {
    settings = await SettingsHarness.start();
  });
  afterAll(async () => {
    await settings?.close();
  });

  it("signs up an owner in the service's region, logs in, knows who is calling, logs out", async () => {
    const email = `Ada.${uniqueId()}@Example.com`;
    const signup = await settings.request("POST", "/v1/auth/signup", {
      body: { organizationName: "Acme", name: "Ada", email, password: PASSWORD },
    });
    expect(signup.status).toBe(201);
    const { organization, user, session } = signup.body.data;
    expect(organization).toMatchObject({ name: "Acme", region: REGION, baseUrl: PUBLIC_BASE_URL });
    expect(user).toMatchObject({ email: email.toLowerCase(), name: "Ada", role: "owner" });
    expect(session.token).toMatch(/^clm_ses_[0-9A-Za-z]{32}$/);
    const expiresIn = Date.parse(session.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(13 * 86_400_000);
    expect(expiresIn).toBeLessThanOrEqual(14 * 86_400_000);
    expect(JSON.stringify(signup.body)).not.toContain(PASSWORD);

    // Email is matched whatever its case.
    const login = await settings.request("POST", "/v1/auth/login", {
      body: { email: email.toUpperCase(), password: PASSWORD },
    });
    expect(login.status).toBe(200);
    expect(login.body.data.user).toEqual(user);
    const token = login.body.data.session.token as string;
    expect(token).not.toBe(session.token);

    const verified = await settings.verify("session", token);
    expect(verified.status).toBe(200);
    expect(verified.body.data).toMatchObject({
      organizationId: organization.id,
      principal: { type: "user", id: user.id },
      role: "owner",
    });

    const identity = await settings.identityOf("session", token);
    const me = await settings.request("GET", "/v1/me", { as: identity });
    expect(me.status).toBe(200);
    expect(me.body.data).toEqual({
      organization: {
        id: organization.id,
        name: "Acme",
        region: REGION,
        baseUrl: PUBLIC_BASE_URL,
      },
      principal: { type: "user", id: user.id, email: email.toLowerCase(), role: "owner" },
    });

    const logout = await settings.request("POST", "/v1/auth/logout", { as: identity });
    expect(logout.status).toBe(200);
    expect((await settings.verify("session", token)).status).toBe(404);
    // The gateway's cache is told before the answer, so no instance keeps the session alive.
    expect(
      await settings.service.context.redis.get(
        credentialCacheKey(settings.redisPrefix, hashSecret(token)),
      ),
    ).toBe(INVALID_CREDENTIAL);
    // The other session is untouched.
    expect((await settings.verify("session", session.token)).status).toBe(200);
    const events = await settings.outbox(organization.id);
    expect(events.map((e) => e.type)).toEqual(["organization.created", "session.revoked"]);
    expect(events[1]!.payload).toEqual({
      sessionId:
        verified.body.data.principal.type === "user" && verified.body.data.principal.sessionId,
      tokenHash: hashSecret(token),
    });
  });

  it("tells an API key who it is in /v1/me", async () => {
    const owner = await settings.signup();
    const key = await settings.createApiKey(owner.identity, { label: "ci" });
    const me = await settings.request("GET", "/v1/me", { as: key.identity });
    expect(me.status).toBe(200);
    expect(me.body.data.principal).toEqual({ type: "api_key", id: key.id, label: "ci" });
    expect(me.body.data.organization.id).toBe(owner.organization.id);
  });

  it("refuses a second account with the same email, whatever its case (409)", async () => {
    const owner = await settings.signup();
    const again = await settings.request("POST", "/v1/auth/signup", {
      body: {
        organizationName: "Other",
        name: "Eve",
        email: owner.user.email.toUpperCase(),
        password: PASSWORD,
      },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("CONFLICT");
  });

  it("answers bad sign-up bodies with 400 and every problem", async () => {
    const response = await settings.request("POST", "/v1/auth/signup", {
      body: { organizationName: "", name: "Ada", email: "not-an-email", password: "short" },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("VALIDATION_ERROR");
    expect(response.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      "body.email",
      "body.organizationName",
      "body.password",
    ]);

    const unknownField = await settings.request("POST", "/v1/auth/signup", {
      body: { organizationName: "A", name: "B", email: "a@b.co", password: PASSWORD, admin: true },
    });
    expect(unknownField.status).toBe(400);

    const malformed = await settings.request("POST", "/v1/auth/login", {
      rawBody: "{",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("VALIDATION_ERROR");
  });

  it("gives a wrong password and an unknown email the same 401", async () => {
    const owner = await settings.signup();
    const wrongPassword = await settings.request("POST", "/v1/auth/login", {
      body: { email: owner.user.email, password: "not the password" },
    });
    const unknownEmail = await settings.request("POST", "/v1/auth/login", {
      body: { email: `nobody-${uniqueId()}@example.com`, password: PASSWORD },
    });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    const { requestId: _a, ...wrong } = wrongPassword.body.error;
    const { requestId: _b, ...unknown } = unknownEmail.body.error;
    expect(wrong).toEqual({ code: "UNAUTHORIZED", message: "Invalid email or password" });
    expect(unknown).toEqual(wrong);
  });

  it("answers 401 to any other route without an identity, and to a forged one", async () => {
    const owner = await settings.signup();
    for (const [method, path] of [
      ["GET", "/v1/me"],
      ["POST", "/v1/auth/logout"],
      ["GET", "/v1/settings/api-keys"],
      ["GET", "/v1/auth/login"],
    ] as const) {
      const response = await settings.request(method, path);
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe("UNAUTHORIZED");
    }
    const forged = await settings.request("GET", "/v1/me", {
      headers: { "x-clment-identity": "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl" },
    });
    expect(forged.status).toBe(401);
    expect((await settings.request("GET", "/v1/me", { as: owner.identity })).status).toBe(200);
  });

  it("refuses to log out an API key (it is revoked in settings instead)", async () => {
    const owner = await settings.signup();
    const key = await settings.createApiKey(owner.identity);
    const response = await settings.request("POST", "/v1/auth/logout", { as: key.identity });
    expect(response.status).toBe(403);
    expect((await settings.verify("api_key", key.secret)).status).toBe(200);
  });
});
