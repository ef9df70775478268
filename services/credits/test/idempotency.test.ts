import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { waitFor } from "@clment/testing";
import {
  apiKeyIdentity,
  balanceOf,
  callAs,
  newOrganizationId,
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

const PACKS = "/v1/settings/billing/credit-packs";

async function purchases(organizationId: string): Promise<number> {
  const { rows } = await credits.pool.query(
    "select count(*)::int as n from ledger_entries where organization_id = $1 and kind = 'pack_purchase'",
    [organizationId],
  );
  return rows[0].n;
}

function buy(
  organizationId: string,
  key: string,
  body: unknown = { size: 100 },
  role: "owner" | "admin" | "member" = "admin",
) {
  return callAs(credits, userIdentity(organizationId, role), "POST", PACKS, {
    body,
    headers: { "Idempotency-Key": key },
  });
}

describe("Idempotency-Key on POST", () => {
  it("replays the first response for the same request: one purchase, Idempotent-Replayed: true", async () => {
    const org = newOrganizationId();
    const key = randomUUID();
    const first = await buy(org, key);
    const second = await buy(org, key);
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.headers.get("content-type")).toMatch(/application\/json/);
    expect(second.body).toEqual(first.body);
    expect(await purchases(org)).toBe(1);
    expect(await balanceOf(credits, org)).toMatchObject({ packs: 100 });
  });

  it("treats the same JSON with other key order and spacing as the same request", async () => {
    const org = newOrganizationId();
    const key = randomUUID();
    const identity = userIdentity(org, "owner");
    const first = await callAs(credits, identity, "PUT", "/v1/settings/billing/plan", {
      body: { plan: "team" },
    });
    expect(first.status).toBe(200);
    const token = await credits.tokens.sign(identity);
    const send = (raw: string) =>
      fetch(credits.url + PACKS, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-clment-identity": token,
          "idempotency-key": key,
        },
        body: raw,
      });
    const a = await send('{"size":500}');
    const b = await send('{\n  "size" : 500\n}');
    expect(a.status).toBe(201);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(await purchases(org)).toBe(1);
  });

  it("is 409 IDEMPOTENCY_KEY_REUSED for a different body or path with the same key", async () => {
    const org = newOrganizationId();
    const key = randomUUID();
    expect((await buy(org, key, { size: 100 })).status).toBe(201);
    const otherBody = await buy(org, key, { size: 500 });
    expect(otherBody.status).toBe(409);
    expect(otherBody.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    const otherPath = await callAs(credits, userIdentity(org, "admin"), "POST", `${PACKS}?note=x`, {
      body: { size: 100 },
      headers: { "Idempotency-Key": key },
    });
    expect(otherPath.status).toBe(409);
    expect(otherPath.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await purchases(org)).toBe(1);
  });

  it("is 409 CONFLICT while the first request with the key is still in flight", async () => {
    const org = newOrganizationId();
    await balanceOf(credits, org); // opens the account
    const key = randomUUID();
    // Hold the account's row lock, so the first purchase waits inside its transaction.
    const blocker = await credits.pool.connect();
    try {
      await blocker.query("begin");
      await blocker.query("select 1 from accounts where organization_id = $1 for update", [org]);
      const first = buy(org, key);
      await waitFor(
        async () => {
          const { rows } = await credits.pool.query(
            "select status_code from idempotency_keys where organization_id = $1 and key = $2",
            [org, key],
          );
          return rows.length === 1 && rows[0].status_code === null;
        },
        { message: "the first request to claim the key" },
      );
      const second = await buy(org, key);
      expect(second.status).toBe(409);
      expect(second.body.error.code).toBe("CONFLICT");
      await blocker.query("commit");
      expect((await first).status).toBe(201);
    } finally {
      blocker.release();
    }
    const third = await buy(org, key);
    expect(third.status).toBe(201);
    expect(third.headers.get("idempotent-replayed")).toBe("true");
    expect(await purchases(org)).toBe(1);
  });

  it("is 400 VALIDATION_ERROR for a key over 255 characters; 255 is fine", async () => {
    const org = newOrganizationId();
    const long = await buy(org, "k".repeat(256));
    expect(long.status).toBe(400);
    expect(long.body.error).toMatchObject({
      code: "VALIDATION_ERROR",
      details: [{ path: "headers.idempotency-key" }],
    });
    expect(await purchases(org)).toBe(0);
    expect((await buy(org, "k".repeat(255))).status).toBe(201);
  });

  it("scopes keys per organization: another organization's key of the same name is its own", async () => {
    const key = randomUUID();
    const a = newOrganizationId();
    const b = newOrganizationId();
    expect((await buy(a, key)).status).toBe(201);
    const other = await buy(b, key, { size: 2000 });
    expect(other.status).toBe(201);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect(await balanceOf(credits, b)).toMatchObject({ packs: 2000 });
  });

  it("does not depend on who calls: another admin of the organization gets the replay", async () => {
    const org = newOrganizationId();
    const key = randomUUID();
    expect((await buy(org, key, { size: 100 }, "admin")).status).toBe(201);
    const replay = await buy(org, key, { size: 100 }, "owner");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await purchases(org)).toBe(1);
  });

  it("does not keep a 403: an admin may use the key a member was refused with", async () => {
    const org = newOrganizationId();
    const key = randomUUID();
    const refused = await buy(org, key, { size: 100 }, "member");
    expect(refused.status).toBe(403);
    const keyRefused = await callAs(credits, apiKeyIdentity(org), "POST", PACKS, {
      body: { size: 100 },
      headers: { "Idempotency-Key": key },
    });
    expect(keyRefused.body.error.code).toBe("API_KEY_FORBIDDEN");
    const admin = await buy(org, key, { size: 100 }, "admin");
    expect(admin.status).toBe(201);
    expect(admin.headers.get("idempotent-replayed")).toBeNull();
  });

  it("keeps a 400 for its exact request: the same bad request replays it", async () => {
    const org = newOrganizationId();
    const key = randomUUID();
    const bad = await buy(org, key, { size: 7 });
    expect(bad.status).toBe(400);
    const again = await buy(org, key, { size: 7 });
    expect(again.status).toBe(400);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.error.details).toEqual(bad.body.error.details);
  });

  it("forgets a key after 24 hours", async () => {
    const org = newOrganizationId();
    const key = randomUUID();
    expect((await buy(org, key, { size: 100 })).status).toBe(201);
    await credits.pool.query(
      "update idempotency_keys set expires_at = now() - interval '1 second' where organization_id = $1 and key = $2",
      [org, key],
    );
    const later = await buy(org, key, { size: 500 });
    expect(later.status).toBe(201);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect(await purchases(org)).toBe(2);
  });

  it("leaves requests without the header, and GET requests, alone", async () => {
    const org = newOrganizationId();
    expect(
      (await callAs(credits, userIdentity(org, "admin"), "POST", PACKS, { body: { size: 100 } }))
        .status,
    ).toBe(201);
    expect(
      (await callAs(credits, userIdentity(org, "admin"), "POST", PACKS, { body: { size: 100 } }))
        .status,
    ).toBe(201);
    const get = await callAs(credits, userIdentity(org, "admin"), "GET", "/v1/credits", {
      headers: { "Idempotency-Key": "k".repeat(300) },
    });
    expect(get.status).toBe(200);
    expect(await purchases(org)).toBe(2);
    const { rows } = await credits.pool.query(
      "select count(*)::int as n from idempotency_keys where organization_id = $1",
      [org],
    );
    expect(rows[0].n).toBe(0);
  });
});
