import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call } from "@clment/testing";
import { startSecurityRegion, type SecurityRegion } from "./support.js";

/** OWASP API1:2023: another organization's id on every route that takes one is 404. */
describe("API1 broken object level authorization", () => {
  let env: SecurityRegion;

  beforeAll(async () => {
    env = await startSecurityRegion("api1");
  }, 60_000);
  afterAll(async () => env?.close());

  it("answers 404 NOT_FOUND for organization B's ids on every id route, with A's key and A's session", async () => {
    const b = env.b;
    const routes: [string, string, unknown?][] = [
      ["GET", `/v1/contracts/${b.contractId}`],
      ["PATCH", `/v1/contracts/${b.contractId}`, { title: "mine now" }],
      ["GET", `/v1/contracts/${b.contractId}/document`],
      ["GET", `/v1/contracts/${b.contractId}/text`],
      ["GET", `/v1/contracts/${b.contractId}/versions`],
      [
        "POST",
        `/v1/contracts/${b.contractId}/key-dates`,
        { kind: "custom", date: "2031-01-01", title: "x" },
      ],
      ["POST", `/v1/contracts/${b.contractId}/reviews`, { playbookId: b.playbookId }],
      ["POST", `/v1/contracts/${b.contractId}/conversions`, { format: "docx" }],
      ["GET", `/v1/key-dates/${b.keyDateId}`],
      ["PATCH", `/v1/key-dates/${b.keyDateId}`, { title: "x" }],
      ["POST", `/v1/key-dates/${b.keyDateId}/reminders`, { daysBefore: 1, channels: ["email"] }],
      ["GET", `/v1/playbooks/${b.playbookId}`],
      ["PATCH", `/v1/playbooks/${b.playbookId}`, { name: "x" }],
      ["GET", `/v1/reviews/${b.contractId}`],
      ["GET", `/v1/reviews/${b.contractId}/findings`],
      ["POST", `/v1/reviews/${b.contractId}/redlines`, {}],
      ["GET", `/v1/redlines/${b.contractId}`],
      ["GET", `/v1/conversions/${b.contractId}`],
      ["DELETE", `/v1/reminders/${b.keyDateId}`],
      ["DELETE", `/v1/key-dates/${b.keyDateId}`],
      ["DELETE", `/v1/playbooks/${b.playbookId}`],
      ["DELETE", `/v1/contracts/${b.contractId}`],
    ];
    for (const token of [env.a.key.secret, env.a.org.owner.token]) {
      for (const [method, path, body] of routes) {
        const response = await call(env.url, method, path, { token, body });
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
        expect(response.body.error.code).toBe("NOT_FOUND");
      }
    }
    // B's resources are untouched.
    const own = await call(env.url, "GET", `/v1/contracts/${b.contractId}`, {
      token: b.key.secret,
    });
    expect(own.status).toBe(200);
    expect(own.body.data.contract.title).toBe("Master services agreement");
  });

  it("answers 404 for B's settings resources (webhooks, members, API keys) to A's owner", async () => {
    const b = env.b;
    const token = env.a.org.owner.token;
    const routes: [string, string, unknown?][] = [
      ["GET", `/v1/settings/webhooks/${b.webhookId}`],
      ["PATCH", `/v1/settings/webhooks/${b.webhookId}`, { events: ["contract.updated"] }],
      ["POST", `/v1/settings/webhooks/${b.webhookId}/rotate-secret`, {}],
      ["POST", `/v1/settings/webhooks/${b.webhookId}/test`, {}],
      ["GET", `/v1/settings/webhooks/${b.webhookId}/deliveries`],
      ["PATCH", `/v1/settings/members/${b.member.id}`, { role: "admin" }],
      ["DELETE", `/v1/settings/members/${b.member.id}`],
      ["POST", `/v1/settings/api-keys/${b.key.id}/revoke`, {}],
      ["DELETE", `/v1/settings/webhooks/${b.webhookId}`],
    ];
    for (const [method, path, body] of routes) {
      const response = await call(env.url, method, path, { token, body });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
    }
    // B's key still works.
    expect((await call(env.url, "GET", "/v1/me", { token: b.key.secret })).status).toBe(200);
  });

  it("never lists another organization's resources", async () => {
    const token = env.a.key.secret;
    for (const [path, name] of [
      ["/v1/contracts?take=100", "contracts"],
      ["/v1/key-dates?take=100", "keyDates"],
      ["/v1/playbooks?take=100", "playbooks"],
    ] as const) {
      const response = await call(env.url, "GET", path, { token });
      expect(response.status).toBe(200);
      const ids = (response.body.data[name] as { id: string }[]).map((r) => r.id);
      expect(ids).not.toContain(env.b.contractId);
      expect(ids).not.toContain(env.b.keyDateId);
      expect(ids).not.toContain(env.b.playbookId);
    }
  });
});
