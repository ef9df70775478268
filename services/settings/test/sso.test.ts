import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { sql } from "kysely";
import { loadSettingsConfig } from "../src/config.js";
import { createSettingsService } from "../src/service.js";
import { PASSWORD, SettingsHarness } from "./harness.js";

const CLIENT_SECRET = "oidc-client-secret-5f1e2d3c4b5a69788796a5b4c3d2e1f0";
const ssoConfig = {
  issuer: "https://login.acme.test/realms/acme",
  clientId: "clment-console",
  clientSecret: CLIENT_SECRET,
  enforced: false,
  allowedDomains: ["Acme.test", "acme.test", "subsidiary.acme.test"],
};

describe("single sign-on configuration", () => {
  let settings: SettingsHarness;
  beforeAll(async () => {
    settings = await SettingsHarness.start();
  });
  afterAll(async () => {
    await settings?.close();
  });

  function login(email: string) {
    return settings.request("POST", "/v1/auth/login", { body: { email, password: PASSWORD } });
  }

  it("is null until configured, then stores issuer, client id and domains without ever answering the secret", async () => {
    const owner = await settings.signup();
    const as = owner.identity;
    const empty = await settings.request("GET", "/v1/settings/sso", { as });
    expect(empty.status).toBe(200);
    expect(empty.body.data).toEqual({ sso: null });

    const saved = await settings.request("PUT", "/v1/settings/sso", { as, body: ssoConfig });
    expect(saved.status).toBe(200);
    expect(saved.text).not.toContain(CLIENT_SECRET);
    expect(saved.body.data.sso).toEqual({
      issuer: ssoConfig.issuer,
      clientId: "clment-console",
      clientSecret: { set: true },
      enforced: false,
      allowedDomains: ["acme.test", "subsidiary.acme.test"],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const read = await settings.request("GET", "/v1/settings/sso", { as });
    expect(read.text).not.toContain(CLIENT_SECRET);
    expect(read.body.data.sso).toEqual(saved.body.data.sso);

    const { rows } = await sql<{ row: string; ciphertext: string }>`
      select row_to_json(s)::text as row, client_secret_ciphertext as ciphertext
      from sso_configs s where organization_id = ${owner.organization.id}
    `.execute(settings.db);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.row).not.toContain(CLIENT_SECRET);
    expect(rows[0]!.ciphertext).toMatch(/^v2:[\w-]+:[^:]+:[^:]+:[^:]+$/);

    const { clientSecret: _omitted, ...withoutSecret } = ssoConfig;
    const kept = await settings.request("PUT", "/v1/settings/sso", {
      as,
      body: { ...withoutSecret, enforced: true },
    });
    expect(kept.status).toBe(200);
    expect(kept.body.data.sso).toMatchObject({ enforced: true, clientSecret: { set: true } });
    const { rows: after } = await sql<{ ciphertext: string }>`
      select client_secret_ciphertext as ciphertext from sso_configs
      where organization_id = ${owner.organization.id}
    `.execute(settings.db);
    expect(after[0]!.ciphertext).toBe(rows[0]!.ciphertext);

    const audit = await settings.request("GET", "/v1/settings/audit-log", { as });
    expect(audit.text).not.toContain(CLIENT_SECRET);
    const actions = audit.body.data.entries.map((e: { action: string }) => e.action);
    expect(actions.slice(0, 2)).toEqual(["sso.updated", "sso.updated"]);
    expect(audit.body.data.entries[0]).toMatchObject({
      requestId: expect.any(String),
      metadata: { enforced: true, clientSecretChanged: false },
    });
    expect(audit.body.data.entries[0].metadata).not.toHaveProperty("previousIssuer");
  });

  it("asks for the client secret again when the issuer or client id changes, so it never goes to another provider", async () => {
    const owner = await settings.signup();
    const as = owner.identity;
    await settings.request("PUT", "/v1/settings/sso", { as, body: ssoConfig });
    const stored = async () =>
      (
        await sql<{ issuer: string; client_id: string; ciphertext: string }>`
          select issuer, client_id, client_secret_ciphertext as ciphertext from sso_configs
          where organization_id = ${owner.organization.id}
        `.execute(settings.db)
      ).rows[0]!;
    const first = await stored();

    const { clientSecret: _omitted, ...withoutSecret } = ssoConfig;
    for (const body of [
      { ...withoutSecret, issuer: "https://idp.elsewhere.test" },
      { ...withoutSecret, clientId: "another-client" },
      { ...withoutSecret, issuer: `${ssoConfig.issuer}/`, clientId: "another-client" },
    ]) {
      const refused = await settings.request("PUT", "/v1/settings/sso", { as, body });
      expect({ body, status: refused.status }).toEqual({ body, status: 400 });
      expect(refused.body.error).toMatchObject({
        code: "VALIDATION_ERROR",
        details: [
          {
            path: "body.clientSecret",
            message: "is required when the issuer or client id changes",
          },
        ],
      });
    }
    expect(await stored()).toEqual(first);

    const moved = await settings.request("PUT", "/v1/settings/sso", {
      as,
      body: {
        ...ssoConfig,
        issuer: "https://idp.elsewhere.test",
        clientId: "another-client",
        clientSecret: "the-new-providers-secret",
      },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.data.sso).toMatchObject({
      issuer: "https://idp.elsewhere.test",
      clientId: "another-client",
      clientSecret: { set: true },
    });
    const second = await stored();
    expect(second.ciphertext).not.toBe(first.ciphertext);
    const audit = await settings.request("GET", "/v1/settings/audit-log", { as });
    expect(audit.text).not.toContain("the-new-providers-secret");
    expect(audit.body.data.entries[0]).toMatchObject({
      action: "sso.updated",
      actor: { type: "user", id: owner.user.id },
      metadata: {
        issuer: "https://idp.elsewhere.test",
        previousIssuer: ssoConfig.issuer,
        clientId: "another-client",
        previousClientId: ssoConfig.clientId,
        clientSecretChanged: true,
      },
    });
  });

  it("lets admins read single sign-on but only owners change or remove it (403 FORBIDDEN)", async () => {
    const owner = await settings.signup();
    const admin = await settings.addMember(owner.identity, "admin");
    await settings.request("PUT", "/v1/settings/sso", { as: owner.identity, body: ssoConfig });
    const auditTotal = async () =>
      (await settings.request("GET", "/v1/settings/audit-log", { as: owner.identity })).body.data
        .total as number;
    const before = await auditTotal();

    const read = await settings.request("GET", "/v1/settings/sso", { as: admin.identity });
    expect(read.status).toBe(200);
    expect(read.body.data.sso).toMatchObject({ issuer: ssoConfig.issuer });

    // An admin pointing the issuer at a provider they run could sign in as any member, owners
    // included: refused, whatever the body.
    for (const [method, body] of [
      ["PUT", { ...ssoConfig, issuer: "https://idp.attacker.test" }],
      ["PUT", { ...ssoConfig, enforced: true }],
      ["DELETE", undefined],
    ] as const) {
      const refused = await settings.request(method, "/v1/settings/sso", {
        as: admin.identity,
        body,
      });
      expect({ method, status: refused.status }).toEqual({ method, status: 403 });
      expect(refused.body.error).toMatchObject({
        code: "FORBIDDEN",
        message: "Only an owner can change single sign-on",
      });
    }
    const after = await settings.request("GET", "/v1/settings/sso", { as: owner.identity });
    expect(after.body.data.sso).toEqual(read.body.data.sso);
    expect(await auditTotal()).toBe(before);
  });

  it("validates the configuration: https issuer, client secret the first time, domains, booleans", async () => {
    const owner = await settings.signup();
    const { clientSecret: _omitted, ...withoutSecret } = ssoConfig;
    for (const [body, path] of [
      [{ ...ssoConfig, issuer: "http://login.acme.test" }, "body.issuer"],
      [{ ...ssoConfig, issuer: "not a url" }, "body.issuer"],
      [{ ...ssoConfig, clientId: "" }, "body.clientId"],
      [{ ...ssoConfig, enforced: "yes" }, "body.enforced"],
      [{ ...ssoConfig, allowedDomains: ["not a domain"] }, "body.allowedDomains.0"],
      [{ ...ssoConfig, extra: true }, "body"],
      [withoutSecret, "body.clientSecret"],
    ] as const) {
      const response = await settings.request("PUT", "/v1/settings/sso", {
        as: owner.identity,
        body,
      });
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      const paths = response.body.error.details.map((d: { path: string }) => d.path);
      expect({ body, paths }).toEqual({ body, paths: expect.arrayContaining([path]) });
    }
  });

  it("accepts an http issuer only where the region allows http (local, tests)", async () => {
    const defaults = loadSettingsConfig({});
    const local = await SettingsHarness.start({
      definition: createSettingsService({
        config: { ...defaults, webhooks: { ...defaults.webhooks, allowHttp: true } },
      }),
    });
    try {
      const owner = await local.signup();
      const saved = await local.request("PUT", "/v1/settings/sso", {
        as: owner.identity,
        body: { ...ssoConfig, issuer: "http://127.0.0.1:4000" },
      });
      expect(saved.status).toBe(200);
      expect(saved.body.data.sso.issuer).toBe("http://127.0.0.1:4000");
    } finally {
      await local.close();
    }
  });

  it("with enforcement, refuses password login to members and admins but not to owners", async () => {
    const owner = await settings.signup();
    const member = await settings.addMember(owner.identity, "member");
    const admin = await settings.addMember(owner.identity, "admin");
    const outsider = await settings.signup();
    const outsiderMember = await settings.addMember(outsider.identity, "member");
    await settings.request("PUT", "/v1/settings/sso", {
      as: owner.identity,
      body: { ...ssoConfig, enforced: true },
    });

    for (const email of [member.email, admin.email]) {
      const refused = await login(email);
      expect({ email, status: refused.status }).toEqual({ email, status: 401 });
      expect(refused.body.error).toMatchObject({
        code: "UNAUTHORIZED",
        message: "This organization requires single sign-on",
      });
      expect(refused.text).not.toContain("token");
    }
    // A wrong password is still the generic answer: enforcement reveals nothing to a guesser.
    const wrong = await settings.request("POST", "/v1/auth/login", {
      body: { email: member.email, password: "not the password" },
    });
    expect(wrong.body.error.message).toBe("Invalid email or password");

    const breakGlass = await login(owner.user.email);
    expect(breakGlass.status).toBe(200);
    expect(breakGlass.body.data.session.token).toEqual(expect.any(String));
    const audit = await settings.request("GET", "/v1/settings/audit-log", { as: owner.identity });
    expect(audit.body.data.entries[0]).toMatchObject({
      action: "auth.login",
      metadata: { ssoBreakGlass: true },
    });

    // Another organization is not affected.
    expect((await login(outsiderMember.email)).status).toBe(200);

    await settings.request("PUT", "/v1/settings/sso", {
      as: owner.identity,
      body: { ...ssoConfig, enforced: false },
    });
    expect((await login(member.email)).status).toBe(200);

    await settings.request("PUT", "/v1/settings/sso", {
      as: owner.identity,
      body: { ...ssoConfig, enforced: true },
    });
    expect((await login(admin.email)).status).toBe(401);
    const deleted = await settings.request("DELETE", "/v1/settings/sso", { as: owner.identity });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toEqual({ deleted: true });
    expect((await login(admin.email)).status).toBe(200);
  });

  it("deletes the configuration, audits it, and answers 404 when there is none", async () => {
    const owner = await settings.signup();
    const as = owner.identity;
    expect((await settings.request("DELETE", "/v1/settings/sso", { as })).status).toBe(404);
    await settings.request("PUT", "/v1/settings/sso", { as, body: ssoConfig });
    expect((await settings.request("DELETE", "/v1/settings/sso", { as })).status).toBe(200);
    expect((await settings.request("GET", "/v1/settings/sso", { as })).body.data).toEqual({
      sso: null,
    });
    const audit = await settings.request("GET", "/v1/settings/audit-log", { as });
    expect(audit.body.data.entries[0]).toMatchObject({
      action: "sso.deleted",
      requestId: expect.any(String),
    });
  });

  it("keeps each organization's configuration to itself", async () => {
    const first = await settings.signup();
    const second = await settings.signup();
    await settings.request("PUT", "/v1/settings/sso", { as: first.identity, body: ssoConfig });
    const other = await settings.request("GET", "/v1/settings/sso", { as: second.identity });
    expect(other.body.data).toEqual({ sso: null });
    expect(
      (await settings.request("DELETE", "/v1/settings/sso", { as: second.identity })).status,
    ).toBe(404);
    const still = await settings.request("GET", "/v1/settings/sso", { as: first.identity });
    expect(still.body.data.sso).toMatchObject({ issuer: ssoConfig.issuer });
  });

  it("refuses SSO settings to members (FORBIDDEN) and API keys (API_KEY_FORBIDDEN)", async () => {
    const owner = await settings.signup();
    const member = await settings.addMember(owner.identity, "member");
    const key = await settings.createApiKey(owner.identity);
    for (const method of ["GET", "PUT", "DELETE"] as const) {
      const body = method === "GET" ? undefined : ssoConfig;
      const asMember = await settings.request(method, "/v1/settings/sso", {
        as: member.identity,
        body,
      });
      expect(asMember.status).toBe(403);
      expect(asMember.body.error.code).toBe("FORBIDDEN");
      const asKey = await settings.request(method, "/v1/settings/sso", { as: key.identity, body });
      expect(asKey.status).toBe(403);
      expect(asKey.body.error.code).toBe("API_KEY_FORBIDDEN");
    }
    const read = await settings.request("GET", "/v1/settings/sso", { as: owner.identity });
    expect(read.body.data).toEqual({ sso: null });
  });
});
