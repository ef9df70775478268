import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call } from "@clment/testing";
import { startSecurityRegion, type SecurityRegion } from "./support.js";

/** OWASP API6:2023: credits come only from the allowance or a pack an owner/admin bought. */
describe("API6 unrestricted access to sensitive business flows", () => {
  let env: SecurityRegion;
  const balance = async () =>
    (await call(env.url, "GET", "/v1/credits", { token: env.a.key.secret })).body.data.balance;

  beforeAll(async () => {
    env = await startSecurityRegion("api6");
  }, 60_000);
  afterAll(async () => env?.close());

  it("offers no public way to add credits besides buying a pack", async () => {
    const before = await balance();
    for (const token of [env.a.key.secret, env.a.org.owner.token, env.a.member.token]) {
      for (const [method, path] of [
        ["POST", "/v1/credits"],
        ["PUT", "/v1/credits"],
        ["PATCH", "/v1/credits"],
        ["POST", "/v1/credits/grants"],
        ["POST", "/v1/credits/packs"],
        ["POST", "/v1/credits/reservations"],
        ["POST", "/internal/v1/reservations"],
        ["POST", "/internal/v1/credits/grant"],
      ] as const) {
        const response = await call(env.url, method, path, { token, body: { amount: 1_000_000 } });
        expect({ method, path, status: response.status }).toEqual({
          method,
          path,
          status: 404,
        });
      }
    }
    for (const token of [env.a.key.secret, env.a.member.token]) {
      const bought = await call(env.url, "POST", "/v1/settings/billing/credit-packs", {
        token,
        body: { size: 500 },
      });
      expect(bought.status).toBe(403);
    }
    expect(await balance()).toEqual(before);
  });

  it("refuses made-up pack sizes and buys a pack once per Idempotency-Key", async () => {
    const before = await balance();
    for (const size of [-500, 0, 1, 499, 1_000_000, "500", null, 1e308]) {
      const response = await call(env.url, "POST", "/v1/settings/billing/credit-packs", {
        token: env.a.org.owner.token,
        body: { size },
      });
      expect({ size, status: response.status }).toEqual({ size, status: 400 });
    }
    expect(await balance()).toEqual(before);

    const headers = { "Idempotency-Key": randomUUID() };
    const responses = await Promise.all(
      [1, 2, 3].map(() =>
        call(env.url, "POST", "/v1/settings/billing/credit-packs", {
          token: env.a.org.owner.token,
          body: { size: 500 },
          headers,
        }),
      ),
    );
    expect(responses.every((r) => r.status < 300 || r.status === 409)).toBe(true);
    const after = await balance();
    expect(after.total).toBe(before.total + 500);
  });

  it("does not let one organization's pack reach another", async () => {
    const before = (await call(env.url, "GET", "/v1/credits", { token: env.b.key.secret })).body
      .data.balance;
    await call(env.url, "POST", "/v1/settings/billing/credit-packs", {
      token: env.a.org.owner.token,
      body: { size: 500, organizationId: env.b.org.organization.id },
    });
    const after = (await call(env.url, "GET", "/v1/credits", { token: env.b.key.secret })).body.data
      .balance;
    expect(after).toEqual(before);
  });
});
