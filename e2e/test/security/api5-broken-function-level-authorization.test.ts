import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call } from "@clment/testing";
import { startSecurityRegion, type SecurityRegion } from "./support.js";

/** OWASP API5:2023: settings are for owner and admin sessions only, on every route. */
describe("API5 broken function level authorization", () => {
  let env: SecurityRegion;
  let routes: [string, string, unknown?][];

  beforeAll(async () => {
    env = await startSecurityRegion("api5");
    const a = env.a;
    routes = [
      ["GET", "/v1/settings/members"],
      ["POST", "/v1/settings/members", { email: "x@example.com", name: "X", role: "admin" }],
      ["PATCH", `/v1/settings/members/${a.member.id}`, { role: "owner" }],
      ["DELETE", `/v1/settings/members/${a.member.id}`],
      ["GET", "/v1/settings/api-keys"],
      ["POST", "/v1/settings/api-keys", { label: "escalate" }],
      ["POST", `/v1/settings/api-keys/${a.key.id}/revoke`, {}],
      ["GET", "/v1/settings/audit-log"],
      ["GET", "/v1/settings/integrations"],
      ["PUT", "/v1/settings/integrations/google-drive", { clientId: "x", clientSecret: "y" }],
      ["DELETE", "/v1/settings/integrations/google-drive"],
      ["GET", "/v1/settings/webhooks"],
      [
        "POST",
        "/v1/settings/webhooks",
        { url: "http://127.0.0.1:9/x", events: ["contract.created"] },
      ],
      ["GET", `/v1/settings/webhooks/${a.webhookId}`],
      ["PATCH", `/v1/settings/webhooks/${a.webhookId}`, { events: ["contract.updated"] }],
      ["DELETE", `/v1/settings/webhooks/${a.webhookId}`],
      ["POST", `/v1/settings/webhooks/${a.webhookId}/rotate-secret`, {}],
      ["POST", `/v1/settings/webhooks/${a.webhookId}/test`, {}],
      ["GET", `/v1/settings/webhooks/${a.webhookId}/deliveries`],
      ["GET", "/v1/settings/billing"],
      ["GET", "/v1/settings/billing/ledger"],
      ["PUT", "/v1/settings/billing/plan", { plan: "business" }],
      ["POST", "/v1/settings/billing/credit-packs", { size: 500 }],
      ["GET", "/v1/settings/unknown-future-route"],
      ["GET", "/v1/SETTINGS/members"],
      ["GET", "/v1/settings/../settings/members"],
      ["GET", "/v1/%73ettings/members"],
    ];
  }, 60_000);
  afterAll(async () => env?.close());

  it("answers 403 API_KEY_FORBIDDEN to an API key on every settings route", async () => {
    for (const [method, path, body] of routes) {
      const response = await call(env.url, method, path, { token: env.a.key.secret, body });
      expect({ method, path, status: response.status, code: response.body?.error?.code }).toEqual({
        method,
        path,
        status: 403,
        code: "API_KEY_FORBIDDEN",
      });
    }
  });

  it("answers 403 FORBIDDEN to a member session on every settings route", async () => {
    for (const [method, path, body] of routes) {
      const response = await call(env.url, method, path, { token: env.a.member.token, body });
      expect({ method, path, status: response.status, code: response.body?.error?.code }).toEqual({
        method,
        path,
        status: 403,
        code: "FORBIDDEN",
      });
    }
    // Nothing changed: the member is still a member and the key still works.
    const members = await call(env.url, "GET", "/v1/settings/members", {
      token: env.a.org.owner.token,
    });
    const member = members.body.data.members.find((m: { id: string }) => m.id === env.a.member.id);
    expect(member.role).toBe("member");
    expect((await call(env.url, "GET", "/v1/me", { token: env.a.key.secret })).status).toBe(200);
  });

  it("never reaches internal routes from outside, whoever asks", async () => {
    for (const token of [env.a.org.owner.token, env.a.key.secret]) {
      for (const path of [
        "/internal/v1/credentials/verify",
        "/internal/v1/reservations",
        "/v1/../internal/v1/reservations",
        "/%69nternal/v1/reservations",
      ]) {
        const response = await call(env.url, "POST", path, { token, body: {} });
        expect({ path, status: response.status }).toEqual({ path, status: 404 });
      }
    }
  });
});
