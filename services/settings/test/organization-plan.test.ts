import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { EventEnvelope } from "@clment/queue";
import { OrganizationService } from "../src/domain/organization.service.js";
import { CredentialCache } from "../src/data/credential-cache.js";
import { Transactions } from "../src/data/transaction.js";
import { PUBLIC_BASE_URL, REGION, SettingsHarness, type SignedUp } from "./harness.js";

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

    await organizations.applyPlan(planChanged("team", new Date()));
    expect((await harness.verify("api_key", key.secret)).body.data.plan).toBe("team");
    expect((await harness.verify("session", owner.token)).body.data.plan).toBe("team");
  });

  it("ignores an announcement older than the one applied (events can arrive out of order)", async () => {
    const now = Date.now();
    await organizations.applyPlan(planChanged("enterprise", new Date(now + 1_000)));
    await organizations.applyPlan(planChanged("starter", new Date(now)));
    expect((await harness.verify("session", owner.token)).body.data.plan).toBe("enterprise");
  });
});
