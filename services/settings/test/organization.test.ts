import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { uniqueId } from "@clment/testing";
import { PASSWORD, PUBLIC_BASE_URL, REGION, SettingsHarness } from "./harness.js";

describe("organization settings and the audit log", () => {
  let settings: SettingsHarness;
  beforeAll(async () => {
    settings = await SettingsHarness.start();
  });
  afterAll(async () => {
    await settings?.close();
  });

  it("reads and renames the organization and sets its IANA time zone", async () => {
    const owner = await settings.signup({ organizationName: "Acme" });
    const read = await settings.request("GET", "/v1/settings/organization", { as: owner.identity });
    expect(read.status).toBe(200);
    expect(read.body.data.organization).toMatchObject({
      id: owner.organization.id,
      name: "Acme",
      region: REGION,
      timezone: "UTC",
      baseUrl: PUBLIC_BASE_URL,
    });

    const updated = await settings.request("PATCH", "/v1/settings/organization", {
      as: owner.identity,
      body: { name: "Acme GmbH", timezone: "Europe/Berlin" },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data.organization).toMatchObject({
      name: "Acme GmbH",
      timezone: "Europe/Berlin",
    });
    const zoneOnly = await settings.request("PATCH", "/v1/settings/organization", {
      as: owner.identity,
      body: { timezone: "America/New_York" },
    });
    expect(zoneOnly.body.data.organization).toMatchObject({
      name: "Acme GmbH",
      timezone: "America/New_York",
    });

    const events = await settings.outbox(owner.organization.id);
    expect(events.filter((e) => e.type === "organization.updated").map((e) => e.payload)).toEqual([
      { organization: { id: owner.organization.id, name: "Acme GmbH", timezone: "Europe/Berlin" } },
      {
        organization: {
          id: owner.organization.id,
          name: "Acme GmbH",
          timezone: "America/New_York",
        },
      },
    ]);
  });

  it("refuses a time zone that is not an IANA zone, an empty name and an empty change", async () => {
    const owner = await settings.signup();
    for (const body of [
      { timezone: "Mars/Olympus" },
      { timezone: "+01:00" },
      { timezone: "" },
      { name: "" },
      { name: 42 },
      {},
      { region: "us" },
    ]) {
      const response = await settings.request("PATCH", "/v1/settings/organization", {
        as: owner.identity,
        body,
      });
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(response.body.error.details.length).toBeGreaterThan(0);
    }
  });

  it("refuses organization settings to members and API keys", async () => {
    const owner = await settings.signup();
    const member = await settings.addMember(owner.identity, "member");
    const key = await settings.createApiKey(owner.identity);
    const byMember = await settings.request("PATCH", "/v1/settings/organization", {
      as: member.identity,
      body: { name: "Mine now" },
    });
    expect(byMember.body.error.code).toBe("FORBIDDEN");
    const byKey = await settings.request("GET", "/v1/settings/organization", { as: key.identity });
    expect(byKey.body.error.code).toBe("API_KEY_FORBIDDEN");
    const read = await settings.request("GET", "/v1/settings/organization", { as: owner.identity });
    expect(read.body.data.organization.name).not.toBe("Mine now");
  });

  it("records who did what, with the request id, newest first", async () => {
    const email = `audit-${uniqueId()}@example.com`;
    const signup = await settings.request("POST", "/v1/auth/signup", {
      body: { organizationName: "Audited", name: "Ann", email, password: PASSWORD },
      headers: { "x-request-id": "req-signup" },
    });
    const ownerId = signup.body.data.user.id as string;
    const organizationId = signup.body.data.organization.id as string;
    const owner = await settings.identityOf("session", signup.body.data.session.token);
    const as = (requestId: string) => ({ as: owner, headers: { "x-request-id": requestId } });

    await settings.request("POST", "/v1/auth/login", {
      body: { email, password: PASSWORD },
      headers: { "x-request-id": "req-login" },
    });
    const key = await settings.request("POST", "/v1/settings/api-keys", {
      ...as("req-key"),
      body: { label: "ci" },
    });
    const keyId = key.body.data.apiKey.id as string;
    await settings.request("POST", `/v1/settings/api-keys/${keyId}/revoke`, as("req-revoke"));
    const invited = await settings.request("POST", "/v1/settings/members", {
      ...as("req-invite"),
      body: { email: `m-${uniqueId()}@example.com`, name: "M", role: "member" },
    });
    const memberId = invited.body.data.member.id as string;
    await settings.request("POST", "/v1/auth/accept-invite", {
      body: { token: invited.body.data.inviteToken, name: "M", password: PASSWORD },
      headers: { "x-request-id": "req-join" },
    });
    await settings.request("PATCH", `/v1/settings/members/${memberId}`, {
      ...as("req-role"),
      body: { role: "admin" },
    });
    await settings.request("DELETE", `/v1/settings/members/${memberId}`, as("req-remove"));
    await settings.request("PATCH", "/v1/settings/organization", {
      ...as("req-org"),
      body: { timezone: "Asia/Tokyo" },
    });

    const log = await settings.request("GET", "/v1/settings/audit-log", { as: owner });
    expect(log.status).toBe(200);
    expect(log.body.data.total).toBe(9);
    const entries = log.body.data.entries as {
      action: string;
      actor: unknown;
      target: unknown;
      requestId: string;
    }[];
    const byOwner = { type: "user", id: ownerId };
    expect(
      entries.map(({ action, actor, target, requestId }) => ({
        action,
        actor,
        target,
        requestId,
      })),
    ).toEqual([
      {
        action: "organization.updated",
        actor: byOwner,
        target: { type: "organization", id: organizationId },
        requestId: "req-org",
      },
      {
        action: "member.removed",
        actor: byOwner,
        target: { type: "member", id: memberId },
        requestId: "req-remove",
      },
      {
        action: "member.role_changed",
        actor: byOwner,
        target: { type: "member", id: memberId },
        requestId: "req-role",
      },
      {
        action: "member.joined",
        actor: { type: "user", id: memberId },
        target: { type: "member", id: memberId },
        requestId: "req-join",
      },
      {
        action: "member.invited",
        actor: byOwner,
        target: { type: "member", id: memberId },
        requestId: "req-invite",
      },
      {
        action: "api_key.revoked",
        actor: byOwner,
        target: { type: "api_key", id: keyId },
        requestId: "req-revoke",
      },
      {
        action: "api_key.created",
        actor: byOwner,
        target: { type: "api_key", id: keyId },
        requestId: "req-key",
      },
      { action: "auth.login", actor: byOwner, target: null, requestId: "req-login" },
      {
        action: "auth.signup",
        actor: byOwner,
        target: { type: "organization", id: organizationId },
        requestId: "req-signup",
      },
    ]);
    expect(log.body.data.entries[2]).toMatchObject({
      id: expect.any(String),
      createdAt: expect.any(String),
      metadata: { previousRole: "member", role: "admin" },
    });
    expect(log.text).not.toContain(PASSWORD);
    expect(log.text).not.toContain(invited.body.data.inviteToken);
    expect(log.text).not.toContain(key.body.data.secret);

    const page = await settings.request("GET", "/v1/settings/audit-log?skip=7&take=5", {
      as: owner,
    });
    expect(page.body.data).toMatchObject({ total: 9 });
    expect(page.body.data.entries.map((e: { action: string }) => e.action)).toEqual([
      "auth.login",
      "auth.signup",
    ]);
    const tooMany = await settings.request("GET", "/v1/settings/audit-log?take=101", { as: owner });
    expect(tooMany.status).toBe(400);

    // Another organization sees none of it.
    const other = await settings.signup();
    const theirs = await settings.request("GET", "/v1/settings/audit-log", { as: other.identity });
    expect(theirs.body.data.entries.map((e: { action: string }) => e.action)).toEqual([
      "auth.signup",
    ]);
  });

  it("records refused password logins of known accounts (not of unknown emails) and logouts", async () => {
    const email = `refused-${uniqueId()}@example.com`;
    const signup = await settings.request("POST", "/v1/auth/signup", {
      body: { organizationName: "Refused", name: "Ann", email, password: PASSWORD },
    });
    const owner = await settings.identityOf("session", signup.body.data.session.token);
    const wrong = await settings.request("POST", "/v1/auth/login", {
      body: { email, password: `${PASSWORD}!` },
      headers: { "x-request-id": "req-wrong" },
    });
    expect(wrong.status).toBe(401);
    const unknown = await settings.request("POST", "/v1/auth/login", {
      body: { email: `nobody-${uniqueId()}@example.com`, password: PASSWORD },
    });
    expect(unknown.status).toBe(401);
    const second = await settings.request("POST", "/v1/auth/login", {
      body: { email, password: PASSWORD },
    });
    const secondSession = await settings.identityOf("session", second.body.data.session.token);
    const logout = await settings.request("POST", "/v1/auth/logout", {
      as: secondSession,
      headers: { "x-request-id": "req-logout" },
    });
    expect(logout.status).toBe(200);

    const log = await settings.request("GET", "/v1/settings/audit-log", { as: owner });
    const userId = signup.body.data.user.id as string;
    expect(
      log.body.data.entries.map((e: Record<string, unknown>) => ({
        action: e.action,
        actor: e.actor,
        requestId: e.requestId,
        metadata: e.metadata,
      })),
    ).toEqual([
      {
        action: "auth.logout",
        actor: { type: "user", id: userId },
        requestId: "req-logout",
        metadata: {},
      },
      expect.objectContaining({ action: "auth.login" }),
      {
        action: "auth.login_failed",
        actor: { type: "user", id: userId },
        requestId: "req-wrong",
        metadata: { reason: "wrong_password" },
      },
      expect.objectContaining({ action: "auth.signup" }),
    ]);
    expect(log.text).not.toContain(`${PASSWORD}!`);
  });
});
