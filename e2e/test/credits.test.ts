import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { call, waitFor } from "@clment/testing";
import {
  newApiKey,
  newMember,
  newOrganization,
  startTestRegion,
  type NewMember,
  type NewOrganization,
} from "../src/factories.js";
import type { RunningRegion } from "../src/region.js";

describe("credits and billing through the gateway", () => {
  let region: RunningRegion;
  let org: NewOrganization;
  let apiKey: string;
  let member: NewMember;

  beforeAll(async () => {
    region = await startTestRegion("e2e_credits");
    org = await newOrganization(region.url);
    apiKey = (await newApiKey(region.url, org.owner.token)).secret;
    member = await newMember(region.url, org.owner.token, "member");
  });

  afterAll(async () => {
    await region?.close();
  });

  it("opens the credit account when the organization signs up, anchored on the signup day", async () => {
    const account = await waitFor(
      async () => {
        const { rows } = await region.services.credits.context.database.pool.query(
          "select plan, anchor_day from accounts where organization_id = $1",
          [org.organization.id],
        );
        return rows[0] as { plan: string; anchor_day: number } | undefined;
      },
      { timeoutMs: 20_000, message: "the credit account" },
    );
    expect(account).toEqual({ plan: "starter", anchor_day: new Date().getUTCDate() });
  });

  it("shows the balance to an API key and to every signed-in role", async () => {
    for (const token of [apiKey, member.token, org.owner.token]) {
      const response = await call(region.url, "GET", "/v1/credits", { token });
      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({
        balance: { total: 100, allowance: 100, packs: 0 },
        pricing: { review: expect.any(Number) },
        period: { start: expect.any(String), end: expect.any(String) },
      });
    }
  });

  it("refuses billing settings to an API key (API_KEY_FORBIDDEN) and to a member (FORBIDDEN)", async () => {
    for (const path of ["/v1/settings/billing", "/v1/settings/billing/ledger"]) {
      const byKey = await call(region.url, "GET", path, { token: apiKey });
      expect([path, byKey.status, byKey.body.error.code]).toEqual([path, 403, "API_KEY_FORBIDDEN"]);
      const byMember = await call(region.url, "GET", path, { token: member.token });
      expect([path, byMember.status, byMember.body.error.code]).toEqual([path, 403, "FORBIDDEN"]);
    }
    const owner = await call(region.url, "GET", "/v1/settings/billing", { token: org.owner.token });
    expect(owner.status).toBe(200);
    expect(owner.body.data.billing).toMatchObject({ plan: "starter", monthlyAllowance: 100 });
  });

  it("buys a credit pack once for a retried request with the same Idempotency-Key", async () => {
    const key = randomUUID();
    const buy = () =>
      call(region.url, "POST", "/v1/settings/billing/credit-packs", {
        token: org.owner.token,
        body: { size: 500 },
        headers: { "Idempotency-Key": key },
      });
    const first = await buy();
    const retry = await buy();
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toEqual(first.body);
    const credits = await call(region.url, "GET", "/v1/credits", { token: apiKey });
    expect(credits.body.data.balance).toEqual({ total: 600, allowance: 100, packs: 500 });

    const reused = await call(region.url, "POST", "/v1/settings/billing/credit-packs", {
      token: org.owner.token,
      body: { size: 100 },
      headers: { "Idempotency-Key": key },
    });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("applies Idempotency-Key to the POST routes of the other services too", async () => {
    const { id } = await newApiKey(region.url, org.owner.token);
    const key = randomUUID();
    const revoke = () =>
      call(region.url, "POST", `/v1/settings/api-keys/${id}/revoke`, {
        token: org.owner.token,
        headers: { "Idempotency-Key": key },
      });
    const first = await revoke();
    const retry = await revoke();
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toEqual(first.body);

    const tooLong = await call(region.url, "POST", "/v1/settings/members", {
      token: org.owner.token,
      body: { email: `long-${key}@example.com`, name: "Lou", role: "member" },
      headers: { "Idempotency-Key": "x".repeat(256) },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.code).toBe("VALIDATION_ERROR");
  });
});
