import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { pino } from "pino";
import { createDatabase, type Kysely } from "@clment/db";
import { OutboxRelay, writeEvent } from "@clment/queue";
import { waitFor } from "@clment/testing";
import {
  balanceOf,
  buyPack,
  capture,
  expectLedgerConsistent,
  newOrganizationId,
  release,
  reserve,
  startCredits,
  type CreditsHarness,
} from "./harness.js";

let credits: CreditsHarness;

beforeAll(async () => {
  // The scheduled maintenance job runs every 300 ms beside the runs the tests make by hand.
  credits = await startCredits({ maintenanceIntervalMs: 300 });
});

afterAll(async () => {
  await credits.close();
});

async function grants(organizationId: string): Promise<{ period: string; amount: number }[]> {
  const { rows } = await credits.pool.query(
    `select period_start::text as period, amount from ledger_entries
     where organization_id = $1 and kind = 'grant' order by period_start`,
    [organizationId],
  );
  return rows;
}

async function expiries(
  organizationId: string,
): Promise<{ period: string | null; amount: number }[]> {
  const { rows } = await credits.pool.query(
    `select period_start::text as period, amount from ledger_entries
     where organization_id = $1 and kind = 'expire' order by seq`,
    [organizationId],
  );
  return rows;
}

async function period(organizationId: string) {
  const { rows } = await credits.pool.query(
    `select period_start::text as start, period_end::text as "end" from accounts where organization_id = $1`,
    [organizationId],
  );
  return rows[0];
}

describe("the monthly rollover", () => {
  it("grants the new period's allowance exactly once, even run twice at once, and unused allowance expires", async () => {
    const org = newOrganizationId();
    credits.clock.now = new Date("2027-01-31T10:00:00.000Z");
    const held = await reserve(credits, org, 30);
    await capture(credits, org, held.body.data.reservation.id);
    expect(await period(org)).toEqual({ start: "2027-01-31", end: "2027-02-28" });

    credits.clock.now = new Date("2027-02-28T00:30:00.000Z");
    await Promise.all([
      credits.maintenance.rollOverPeriods(),
      credits.maintenance.rollOverPeriods(),
    ]);
    await credits.maintenance.rollOverPeriods();

    expect(await period(org)).toEqual({ start: "2027-02-28", end: "2027-03-31" });
    expect(await grants(org)).toEqual([
      { period: "2027-01-31", amount: 100 },
      { period: "2027-02-28", amount: 100 },
    ]);
    expect(await expiries(org)).toEqual([{ period: "2027-01-31", amount: 70 }]);
    expect(await balanceOf(credits, org)).toEqual({ total: 100, allowance: 100, packs: 0 });
    await expectLedgerConsistent(credits, org);
  });

  it("run late, jumps to the current period and grants it once, skipping the periods in between", async () => {
    const org = newOrganizationId();
    credits.clock.now = new Date("2027-01-31T10:00:00.000Z");
    await reserve(credits, org, 10);

    credits.clock.now = new Date("2027-05-15T08:00:00.000Z");
    await credits.maintenance.rollOverPeriods();
    await credits.maintenance.rollOverPeriods();

    expect(await period(org)).toEqual({ start: "2027-04-30", end: "2027-05-31" });
    expect((await grants(org)).map((g) => g.period)).toEqual(["2027-01-31", "2027-04-30"]);
    expect(await expiries(org)).toEqual([{ period: "2027-01-31", amount: 90 }]);
    await expectLedgerConsistent(credits, org);
  });

  it("happens on its own, by the scheduled job", async () => {
    const org = newOrganizationId();
    credits.clock.now = new Date("2027-06-10T10:00:00.000Z");
    await balanceOf(credits, org);
    credits.clock.now = new Date("2027-07-10T00:01:00.000Z");
    await waitFor(async () => (await grants(org)).length === 2, {
      timeoutMs: 20_000,
      message: "the scheduled rollover",
    });
    expect((await grants(org)).map((g) => g.period)).toEqual(["2027-06-10", "2027-07-10"]);
  });

  it("is guarded by the database: a second grant for the same period is refused", async () => {
    const org = newOrganizationId();
    credits.clock.now = new Date("2027-08-01T10:00:00.000Z");
    await balanceOf(credits, org);
    await expect(
      credits.pool.query(
        `insert into ledger_entries (organization_id, kind, amount, balance_change, bucket, period_start)
         values ($1, 'grant', 100, 100, 'allowance', '2027-08-01')`,
        [org],
      ),
    ).rejects.toMatchObject({ code: "23505" });
  });

  it("keeps the ledger append-only", async () => {
    const org = newOrganizationId();
    credits.clock.now = null;
    await balanceOf(credits, org);
    await expect(
      credits.pool.query("update ledger_entries set amount = 1000 where organization_id = $1", [
        org,
      ]),
    ).rejects.toThrow(/append-only/);
    await expect(
      credits.pool.query("delete from ledger_entries where organization_id = $1", [org]),
    ).rejects.toThrow(/append-only/);
  });

  it("does not add a reservation released after its period ended to the new allowance", async () => {
    const org = newOrganizationId();
    credits.clock.now = new Date("2027-09-05T10:00:00.000Z");
    const held = await reserve(credits, org, 20);
    credits.clock.now = new Date("2027-10-05T10:00:00.000Z");
    await credits.maintenance.rollOverPeriods();
    const released = await release(credits, org, held.body.data.reservation.id);
    expect(released.status).toBe(200);
    expect(await balanceOf(credits, org)).toEqual({ total: 100, allowance: 100, packs: 0 });
    await expectLedgerConsistent(credits, org);
  });
});

describe("credit packs", () => {
  it("expire after 12 months with what is left in them", async () => {
    const org = newOrganizationId();
    credits.clock.now = new Date("2027-01-20T10:00:00.000Z");
    const pack = await buyPack(credits, org, 100);
    await reserve(credits, org, 110); // 100 from the allowance, 10 from the pack
    credits.clock.now = new Date("2028-01-20T10:00:01.000Z");
    await credits.maintenance.expirePacks();
    const { rows } = await credits.pool.query("select remaining from credit_packs where id = $1", [
      pack.id,
    ]);
    expect(rows[0].remaining).toBe(0);
    expect((await expiries(org)).at(-1)).toEqual({ period: null, amount: 90 });
    expect(await balanceOf(credits, org)).toMatchObject({ packs: 0 });
    await expectLedgerConsistent(credits, org);
  });
});

describe("a new organization", () => {
  it("gets its account from organization.created, periods anchored on its signup day, once", async () => {
    credits.clock.now = null;
    const org = newOrganizationId();
    const producer = createDatabase<unknown>({ url: credits.database.url, schema: "settings" });
    const relay = new OutboxRelay({
      db: producer.db as Kysely<unknown>,
      redis: credits.service.context.redis,
      settings: credits.service.context.queues,
      logger: pino({ level: "silent" }),
      region: "us",
    });
    try {
      const event = {
        type: "organization.created" as const,
        organizationId: org,
        data: {
          organization: {
            id: org,
            name: "Acme",
            region: "us",
            timezone: "UTC",
            createdAt: "2026-10-31T23:59:00.000Z",
          },
          ownerUserId: newOrganizationId(),
        },
      };
      await producer.db.transaction().execute((trx) => writeEvent(trx as Kysely<unknown>, event));
      await producer.db.transaction().execute((trx) => writeEvent(trx as Kysely<unknown>, event));
      expect(await relay.relayOnce()).toBe(2);
      await waitFor(
        async () => {
          const { rows } = await credits.pool.query(
            "select count(*)::int as n from processed_events where consumer = 'credits'",
          );
          return rows[0].n >= 2;
        },
        { timeoutMs: 20_000, message: "both events to be handled" },
      );
      const { rows } = await credits.pool.query(
        "select plan, anchor_day from accounts where organization_id = $1",
        [org],
      );
      expect(rows).toEqual([{ plan: "starter", anchor_day: 31 }]);
      expect(await grants(org)).toHaveLength(1);
    } finally {
      await relay.stop();
      await producer.close();
    }
  });
});
