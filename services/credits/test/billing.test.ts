import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  apiKeyIdentity,
  balanceOf,
  buyPack,
  callAs,
  expectLedgerConsistent,
  newOrganizationId,
  outboxEvents,
  reserve,
  setPlan,
  startCredits,
  userIdentity,
  type CreditsHarness,
} from "./harness.js";

let credits: CreditsHarness;

beforeAll(async () => {
  credits = await startCredits();
});

afterAll(async () => {
  await credits.close();
});

describe("GET /v1/credits", () => {
  it("shows balance, period and pricing to API keys and to every signed-in role", async () => {
    const org = newOrganizationId();
    for (const identity of [
      apiKeyIdentity(org),
      userIdentity(org, "member"),
      userIdentity(org, "admin"),
      userIdentity(org, "owner"),
    ]) {
      const response = await callAs(credits, identity, "GET", "/v1/credits");
      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({
        balance: { total: 100, allowance: 100, packs: 0 },
        pricing: {
          review: expect.any(Number),
          redline: expect.any(Number),
          conversion: expect.any(Number),
        },
      });
      const { start, end } = response.body.data.period;
      expect(new Date(start).getTime()).toBeLessThanOrEqual(Date.now());
      expect(new Date(end).getTime()).toBeGreaterThan(Date.now());
    }
  });

  it("never shows another organization's credits", async () => {
    const rich = newOrganizationId();
    const other = newOrganizationId();
    await buyPack(credits, rich, 2000);
    expect(await balanceOf(credits, rich)).toMatchObject({ total: 2100 });
    expect(await balanceOf(credits, other)).toMatchObject({ total: 100, packs: 0 });
  });
});

describe("billing settings", () => {
  it("show plan, period, allowance, packs and balance to owners and admins", async () => {
    const org = newOrganizationId();
    await buyPack(credits, org, 500);
    await reserve(credits, org, 30);
    for (const role of ["owner", "admin"] as const) {
      const response = await callAs(
        credits,
        userIdentity(org, role),
        "GET",
        "/v1/settings/billing",
      );
      expect(response.status).toBe(200);
      expect(response.body.data.billing).toMatchObject({
        plan: "starter",
        monthlyAllowance: 100,
        allowance: { granted: 100, remaining: 70 },
        balance: { total: 570, allowance: 70, packs: 500 },
        packs: [{ size: 500, remaining: 500, id: expect.any(String) }],
        period: { start: expect.any(String), end: expect.any(String) },
      });
    }
  });

  it("list the plans and pack sizes an admin can choose, each of which the write routes accept", async () => {
    const org = newOrganizationId();
    const admin = userIdentity(org, "admin");
    const shown = await callAs(credits, admin, "GET", "/v1/settings/billing");
    const { availablePlans, packSizes, packValidityMonths } = shown.body.data.billing;
    expect(availablePlans.map((p: { id: string }) => p.id)).toEqual([
      "starter",
      "team",
      "enterprise",
    ]);
    expect(packValidityMonths).toBe(12);
    for (const listed of availablePlans) {
      const changed = await setPlan(credits, org, listed.id);
      expect(changed).toMatchObject({ plan: listed.id, monthlyAllowance: listed.monthlyAllowance });
    }
    for (const size of packSizes) {
      const bought = await callAs(credits, admin, "POST", "/v1/settings/billing/credit-packs", {
        body: { size },
      });
      expect(bought.status).toBe(201);
      expect(bought.body.data.creditPack).toMatchObject({ size, remaining: size });
    }
    expect(await balanceOf(credits, org)).toMatchObject({
      packs: packSizes.reduce((sum: number, size: number) => sum + size, 0),
    });
  });

  it("are 403 FORBIDDEN for a member and 403 API_KEY_FORBIDDEN for an API key, on every route", async () => {
    const org = newOrganizationId();
    const routes: [string, string, unknown?][] = [
      ["GET", "/v1/settings/billing"],
      ["PUT", "/v1/settings/billing/plan", { plan: "enterprise" }],
      ["POST", "/v1/settings/billing/credit-packs", { size: 2000 }],
      ["GET", "/v1/settings/billing/ledger"],
    ];
    for (const [method, path, body] of routes) {
      const member = await callAs(credits, userIdentity(org, "member"), method, path, { body });
      expect([path, member.status, member.body.error.code]).toEqual([path, 403, "FORBIDDEN"]);
      const key = await callAs(credits, apiKeyIdentity(org), method, path, { body });
      expect([path, key.status, key.body.error.code]).toEqual([path, 403, "API_KEY_FORBIDDEN"]);
    }
    // Nothing was bought or changed.
    expect(await balanceOf(credits, org)).toEqual({ total: 100, allowance: 100, packs: 0 });
  });

  it("sells credit packs of the listed sizes, valid for 12 months", async () => {
    const org = newOrganizationId();
    const response = await callAs(
      credits,
      userIdentity(org, "admin"),
      "POST",
      "/v1/settings/billing/credit-packs",
      {
        body: { size: 500 },
      },
    );
    expect(response.status).toBe(201);
    const { creditPack, balance } = response.body.data;
    expect(creditPack).toMatchObject({ size: 500, remaining: 500 });
    const months =
      (new Date(creditPack.expiresAt).getTime() - new Date(creditPack.purchasedAt).getTime()) /
      (24 * 3600 * 1000);
    expect(months).toBeGreaterThanOrEqual(365);
    expect(months).toBeLessThanOrEqual(366);
    expect(balance).toEqual({ total: 600, allowance: 100, packs: 500 });
    // Announced for the organization's audit log in settings, with who bought it.
    expect(await outboxEvents(credits, org, "credit_pack.purchased")).toEqual([
      {
        creditPack: { id: creditPack.id, size: 500, expiresAt: creditPack.expiresAt },
        actor: { type: "user", id: expect.any(String) },
      },
    ]);

    const bad = await callAs(
      credits,
      userIdentity(org, "admin"),
      "POST",
      "/v1/settings/billing/credit-packs",
      {
        body: { size: 123 },
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      code: "VALIDATION_ERROR",
      details: [{ path: "body.size" }],
    });
  });

  it("changes the plan: an upgrade grants the difference now, switching back and forth grants nothing more", async () => {
    const org = newOrganizationId();
    await reserve(credits, org, 40);
    const upgraded = await setPlan(credits, org, "team");
    expect(upgraded).toMatchObject({
      plan: "team",
      monthlyAllowance: 1000,
      allowance: { granted: 1000, remaining: 960 },
    });
    const downgraded = await setPlan(credits, org, "starter");
    expect(downgraded).toMatchObject({
      plan: "starter",
      allowance: { granted: 1000, remaining: 960 },
    });
    const again = await setPlan(credits, org, "team");
    expect(again).toMatchObject({ plan: "team", allowance: { granted: 1000, remaining: 960 } });
    await expectLedgerConsistent(credits, org);
    // Each change is announced once (the gateway's rate limits follow the plan).
    // ... by whoever made it, for the organization's audit log in settings.
    const byUser = { type: "user", id: expect.any(String) };
    expect(await outboxEvents(credits, org, "plan.changed")).toEqual([
      { plan: "team", previousPlan: "starter", actor: byUser },
      { plan: "starter", previousPlan: "team", actor: byUser },
      { plan: "team", previousPlan: "starter", actor: byUser },
    ]);
    await setPlan(credits, org, "team");
    expect(await outboxEvents(credits, org, "plan.changed")).toHaveLength(3);

    const unknown = await callAs(
      credits,
      userIdentity(org, "owner"),
      "PUT",
      "/v1/settings/billing/plan",
      {
        body: { plan: "platinum" },
      },
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].path).toBe("body.plan");
  });

  it("list the ledger newest first, paginated, with the total", async () => {
    const org = newOrganizationId();
    await buyPack(credits, org, 100);
    const held = await reserve(credits, org, 120);
    expect(held.status).toBe(201);
    const owner = userIdentity(org, "owner");
    const all = await callAs(credits, owner, "GET", "/v1/settings/billing/ledger");
    expect(all.status).toBe(200);
    expect(all.body.data.total).toBe(4);
    expect(all.body.data.entries.map((e: { kind: string }) => e.kind)).toEqual([
      "reserve",
      "reserve",
      "pack_purchase",
      "grant",
    ]);
    expect(all.body.data.entries[3]).toMatchObject({
      kind: "grant",
      amount: 100,
      balanceChange: 100,
      bucket: "allowance",
    });
    expect(all.body.data.entries.slice(0, 2)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ bucket: "allowance", amount: 100, balanceChange: -100 }),
        expect.objectContaining({ bucket: "pack", amount: 20, balanceChange: -20 }),
      ]),
    );

    const page = await callAs(credits, owner, "GET", "/v1/settings/billing/ledger?skip=1&take=2");
    expect(page.body.data).toMatchObject({ total: 4 });
    expect(page.body.data.entries.map((e: { id: string }) => e.id)).toEqual(
      all.body.data.entries.slice(1, 3).map((e: { id: string }) => e.id),
    );
    const oldestFirst = await callAs(
      credits,
      owner,
      "GET",
      "/v1/settings/billing/ledger?sort=createdAt",
    );
    expect(oldestFirst.body.data.entries[0].kind).toBe("grant");
  });

  it("reject bad pagination with 400", async () => {
    const owner = userIdentity(newOrganizationId(), "owner");
    for (const query of ["take=101", "take=0", "skip=-1", "take=abc", "sort=amount"]) {
      const response = await callAs(credits, owner, "GET", `/v1/settings/billing/ledger?${query}`);
      expect([query, response.status, response.body.error.code]).toEqual([
        query,
        400,
        "VALIDATION_ERROR",
      ]);
    }
  });

  it("never show another organization's ledger entries", async () => {
    const mine = newOrganizationId();
    const theirs = newOrganizationId();
    await buyPack(credits, theirs, 2000);
    const response = await callAs(
      credits,
      userIdentity(mine, "owner"),
      "GET",
      "/v1/settings/billing/ledger",
    );
    expect(response.body.data.total).toBe(1);
    expect(response.body.data.entries[0].kind).toBe("grant");
  });
});
