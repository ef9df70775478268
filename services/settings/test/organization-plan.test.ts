import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { EventEnvelope } from "@clment/queue";
import { OrganizationService } from "../src/domain/organization.service.js";
import { CredentialCache } from "../src/data/credential-cache.js";
import { Transactions } from "../src/data/transaction.js";
import { PUBLIC_BASE_URL, REGION, SettingsHarness, type SignedUp } from "./harness.js";
import { envelope, eventJobsDone, publishEvent } from "./webhook-support.js";

let harness: SettingsHarness;
let owner: SignedUp;
let organizations: OrganizationService;

beforeAll(async () => {
  harness = await SettingsHarness.start();
  owner = await harness.signup();
  const { context } = harness.service;
  organizations = new OrganizationService({
    db: harness.db,
    transactions: new Transactions(harness.db, context.relay),
    credentialCache: new CredentialCache(context.redis, harness.redisPrefix, context.logger),
    region: REGION,
    publicBaseUrl: PUBLIC_BASE_URL,
  });
});

afterAll(async () => {
  await harness?.close();
});

function planChanged(plan: string, createdAt: Date): EventEnvelope<"plan.changed"> {
  return {
    id: randomUUID(),
    type: "plan.changed",
    organizationId: owner.organization.id,
    region: REGION,
    createdAt: createdAt.toISOString(),
    data: { plan, previousPlan: "starter" },
  };
}

describe("the organization's plan, as credits announces it", () => {
  it("comes with every verified credential, starter until credits says otherwise", async () => {
    const key = await harness.createApiKey(owner.identity);
    expect((await harness.verify("api_key", key.secret)).body.data.plan).toBe("starter");
    expect((await harness.verify("session", owner.token)).body.data.plan).toBe("starter");

    await organizations.applyPlan(planChanged("team", new Date()), harness.db);
    expect((await harness.verify("api_key", key.secret)).body.data.plan).toBe("team");
    expect((await harness.verify("session", owner.token)).body.data.plan).toBe("team");
  });

  it("ignores an announcement older than the one applied (events can arrive out of order)", async () => {
    const now = Date.now();
    await organizations.applyPlan(planChanged("enterprise", new Date(now + 1_000)), harness.db);
    await organizations.applyPlan(planChanged("starter", new Date(now)), harness.db);
    expect((await harness.verify("session", owner.token)).body.data.plan).toBe("enterprise");
  });
});

describe("billing actions credits reports", () => {
  it("are in the organization's audit log once, by who did them, even when an event arrives twice", async () => {
    const org = await harness.signup();
    const actor = { type: "user", id: org.user.id };
    const plan = envelope("plan.changed", org.organization.id, {
      plan: "team",
      previousPlan: "starter",
      actor,
    });
    const pack = envelope("credit_pack.purchased", org.organization.id, {
      creditPack: { id: randomUUID(), size: 500, expiresAt: "2027-12-04T00:00:00.000Z" },
      actor,
    });
    for (const event of [plan, pack]) {
      await publishEvent(harness, event);
      await publishEvent(harness, event, { jobId: `${event.id}-again` });
    }
    const billingEntries = async () => {
      const log = await harness.request("GET", "/v1/settings/audit-log", { as: org.identity });
      return (log.body.data.entries as { action: string }[]).filter((e) =>
        e.action.startsWith("billing."),
      );
    };
    await eventJobsDone(
      harness,
      [plan, pack].flatMap((event) => [event.id, `${event.id}-again`]),
    );
    expect(await billingEntries()).toEqual([
      expect.objectContaining({
        action: "billing.credit_pack_purchased",
        actor,
        target: { type: "credit_pack", id: pack.data.creditPack.id },
        metadata: { size: 500, expiresAt: "2027-12-04T00:00:00.000Z" },
      }),
      expect.objectContaining({
        action: "billing.plan_changed",
        actor,
        target: { type: "organization", id: org.organization.id },
        metadata: { from: "starter", to: "team" },
      }),
    ]);
  });
});
