import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { waitFor } from "@clment/testing";
import {
  balanceOf,
  buyPack,
  callAs,
  capture,
  expectLedgerConsistent,
  ledgerKinds,
  newOrganizationId,
  outboxEvents,
  reservationCount,
  release,
  reserve,
  reviewServiceIdentity,
  spendDownTo,
  startCredits,
  userIdentity,
  type CreditsHarness,
} from "./harness.js";

let credits: CreditsHarness;

beforeAll(async () => {
  credits = await startCredits({ reservationSweepMs: 100 });
});

afterAll(async () => {
  await credits.close();
});

describe("reserving credits", () => {
  it("takes the plan's allowance first, then packs, oldest first", async () => {
    const org = newOrganizationId();
    await spendDownTo(credits, org, 10);
    const older = await buyPack(credits, org, 100);
    const newer = await buyPack(credits, org, 100);
    expect(await balanceOf(credits, org)).toEqual({ total: 210, allowance: 10, packs: 200 });

    const first = await reserve(credits, org, 8);
    expect(first.status).toBe(201);
    expect(first.body.data.reservation).toMatchObject({
      status: "pending",
      amount: 8,
      allocation: { allowance: 8, packs: [] },
    });

    const second = await reserve(credits, org, 110);
    expect(second.status).toBe(201);
    expect(second.body.data.reservation.allocation).toEqual({
      allowance: 2,
      packs: [
        { packId: older.id, amount: 100 },
        { packId: newer.id, amount: 8 },
      ],
    });
    expect(await balanceOf(credits, org)).toEqual({ total: 92, allowance: 0, packs: 92 });
    await expectLedgerConsistent(credits, org);
  });

  it("is 402 INSUFFICIENT_CREDITS when short, with nothing taken or recorded", async () => {
    const org = newOrganizationId();
    await spendDownTo(credits, org, 5);
    const kindsBefore = await ledgerKinds(credits, org);

    const short = await reserve(credits, org, 6);
    expect(short.status).toBe(402);
    expect(short.body.error.code).toBe("INSUFFICIENT_CREDITS");
    expect(await balanceOf(credits, org)).toEqual({ total: 5, allowance: 5, packs: 0 });
    expect(await ledgerKinds(credits, org)).toEqual(kindsBefore);
    expect(await reservationCount(credits, org, 6)).toBe(0);
  });

  it("gives the credits back, to the buckets they came from, when the work is released", async () => {
    const org = newOrganizationId();
    await spendDownTo(credits, org, 4);
    const pack = await buyPack(credits, org, 100);
    const held = await reserve(credits, org, 10);
    expect(held.body.data.reservation.allocation).toEqual({
      allowance: 4,
      packs: [{ packId: pack.id, amount: 6 }],
    });

    const released = await release(credits, org, held.body.data.reservation.id);
    expect(released.status).toBe(200);
    expect(released.body.data.reservation.status).toBe("released");
    expect(await balanceOf(credits, org)).toEqual({ total: 104, allowance: 4, packs: 100 });
    // Releasing again changes nothing.
    const again = await release(credits, org, held.body.data.reservation.id);
    expect(again.status).toBe(200);
    expect(await balanceOf(credits, org)).toEqual({ total: 104, allowance: 4, packs: 100 });
    await expectLedgerConsistent(credits, org);
  });

  it("keeps captured credits spent; a captured reservation cannot be released", async () => {
    const org = newOrganizationId();
    const held = await reserve(credits, org, 10);
    const id = held.body.data.reservation.id;
    const captured = await capture(credits, org, id);
    expect(captured.status).toBe(200);
    expect(captured.body.data.reservation).toMatchObject({ status: "captured" });
    expect((await capture(credits, org, id)).status).toBe(200);

    const late = await release(credits, org, id);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("CONFLICT");
    expect(await balanceOf(credits, org)).toEqual({ total: 90, allowance: 90, packs: 0 });
    expect(await ledgerKinds(credits, org)).toEqual(["grant", "reserve", "capture"]);
    await expectLedgerConsistent(credits, org);
  });

  it("a released reservation cannot be captured", async () => {
    const org = newOrganizationId();
    const held = await reserve(credits, org, 1);
    await release(credits, org, held.body.data.reservation.id);
    const captured = await capture(credits, org, held.body.data.reservation.id);
    expect(captured.status).toBe(409);
    expect(captured.body.error.code).toBe("CONFLICT");
  });

  it("reserves once per idempotency key: a retry returns the first reservation", async () => {
    const org = newOrganizationId();
    const body = { idempotencyKey: `review-${randomUUID()}`, resourceId: randomUUID() };
    const first = await reserve(credits, org, 7, body);
    const retry = await reserve(credits, org, 7, body);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(retry.body.data.reservation.id).toBe(first.body.data.reservation.id);
    expect(await balanceOf(credits, org)).toMatchObject({ total: 93 });

    const different = await reserve(credits, org, 8, body);
    expect(different.status).toBe(409);
    expect(different.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("reserves once per idempotency key even when the retries arrive together", async () => {
    const org = newOrganizationId();
    const body = { idempotencyKey: `review-${randomUUID()}`, resourceId: randomUUID() };
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => reserve(credits, org, 3, body)),
    );
    const ids = new Set(responses.map((r) => r.body.data.reservation.id));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(await balanceOf(credits, org)).toMatchObject({ total: 97 });
  });

  it("never oversells: 200 simultaneous reservations of 1 against a balance of 50 grant exactly 50", async () => {
    const org = newOrganizationId();
    await spendDownTo(credits, org, 50);
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => reserve(credits, org, 1)),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(statuses.filter((s) => s === 402)).toHaveLength(150);
    expect(await balanceOf(credits, org)).toEqual({ total: 0, allowance: 0, packs: 0 });
    expect(await reservationCount(credits, org, 1)).toBe(50);
    await expectLedgerConsistent(credits, org);
  });

  it("releases a reservation whose hold runs out, by the sweep job", async () => {
    const org = newOrganizationId();
    const held = await reserve(credits, org, 30, { ttlSeconds: 1 });
    expect(await balanceOf(credits, org)).toMatchObject({ total: 70 });
    const id = held.body.data.reservation.id;
    await waitFor(
      async () => {
        const { rows } = await credits.pool.query("select status from reservations where id = $1", [
          id,
        ]);
        return rows[0].status === "expired";
      },
      { timeoutMs: 20_000, message: "the reservation to expire" },
    );
    expect(await balanceOf(credits, org)).toEqual({ total: 100, allowance: 100, packs: 0 });
    const late = await capture(credits, org, id);
    expect(late.status).toBe(409);
    await expectLedgerConsistent(credits, org);
  });

  it("emits credits.low under 10 % of the allowance and credits.exhausted at zero, once a period each", async () => {
    const org = newOrganizationId();
    await reserve(credits, org, 89);
    expect(await outboxEvents(credits, org, "credits.low")).toHaveLength(0);
    await reserve(credits, org, 2);
    const low = await outboxEvents(credits, org, "credits.low");
    expect(low).toHaveLength(1);
    expect(low[0]).toMatchObject({ balance: { total: 9 }, monthlyAllowance: 100, plan: "starter" });
    await reserve(credits, org, 1);
    expect(await outboxEvents(credits, org, "credits.low")).toHaveLength(1);
    expect(await outboxEvents(credits, org, "credits.exhausted")).toHaveLength(0);

    const last = await reserve(credits, org, 8);
    await reserve(credits, org, 1); // 402: nothing left
    expect(await outboxEvents(credits, org, "credits.exhausted")).toHaveLength(1);
    // Back above zero and down again in the same period: no second event.
    await release(credits, org, last.body.data.reservation.id);
    await reserve(credits, org, 8);
    expect(await outboxEvents(credits, org, "credits.exhausted")).toHaveLength(1);
    expect(await outboxEvents(credits, org, "credits.low")).toHaveLength(1);
  });
});

describe("reservations when the low-balance events cannot be written", () => {
  it("still stand and are answered as made; the next reservation records the event", async () => {
    const org = newOrganizationId();
    await reserve(credits, org, 85);
    // A real failure of the events' transaction: the outbox refuses credits.low for a while.
    await credits.pool.query(`
      create function refuse_low() returns trigger language plpgsql as $$
      begin
        if new.type = 'credits.low' then raise exception 'outbox unavailable'; end if;
        return new;
      end $$;
      create trigger refuse_low before insert on outbox for each row execute function refuse_low();
    `);
    try {
      const made = await reserve(credits, org, 6);
      expect(made.status).toBe(201);
      expect(await outboxEvents(credits, org, "credits.low")).toHaveLength(0);
    } finally {
      await credits.pool.query(`drop trigger refuse_low on outbox; drop function refuse_low();`);
    }
    expect(await balanceOf(credits, org)).toEqual({ total: 9, allowance: 9, packs: 0 });
    await reserve(credits, org, 1);
    expect(await outboxEvents(credits, org, "credits.low")).toEqual([
      expect.objectContaining({ balance: expect.objectContaining({ total: 8 }) }),
    ]);
    await expectLedgerConsistent(credits, org);
  });
});

describe("reservations taken together (group commit)", () => {
  /** Reserves through the use case: requests made in one turn of the loop go in one batch. */
  function reserveNow(
    organizationId: string,
    amount: number,
    idempotencyKey: string = randomUUID(),
  ) {
    return credits.reservations
      .reserve({
        organizationId,
        amount,
        operation: "review",
        resourceId: `resource-${idempotencyKey}`,
        idempotencyKey,
      })
      .then(
        (result) => ({ ...result, error: undefined }),
        (error: unknown) => ({ reservation: undefined, created: false, error }),
      );
  }

  async function transactionsOf(organizationId: string, kind: "reservations" | "ledger") {
    const { rows } = await credits.pool.query(
      kind === "reservations"
        ? "select count(distinct xmin::text)::int as n from reservations where organization_id = $1"
        : "select count(distinct xmin::text)::int as n from ledger_entries where organization_id = $1 and kind = 'reserve'",
      [organizationId],
    );
    return rows[0].n as number;
  }

  it("takes the reservations that arrive together in one transaction, each with its own id", async () => {
    const org = newOrganizationId();
    await spendDownTo(credits, org, 60);
    const results = await Promise.all(Array.from({ length: 20 }, () => reserveNow(org, 3)));
    expect(results.every((r) => r.created && r.reservation)).toBe(true);
    expect(new Set(results.map((r) => r.reservation!.id)).size).toBe(20);
    // The 20 reservations and their ledger entries were written by one transaction (besides
    // the one that spent the balance down).
    expect(await transactionsOf(org, "reservations")).toBe(2);
    expect(await transactionsOf(org, "ledger")).toBe(2);
    expect(await balanceOf(credits, org)).toEqual({ total: 0, allowance: 0, packs: 0 });
    await expectLedgerConsistent(credits, org);
  });

  it("takes several organizations' reservations in one transaction; one without credits refuses only its own", async () => {
    // Ids that end alike: organizations in the same lane of batches.
    const orgs = Array.from({ length: 3 }, () => `${newOrganizationId().slice(0, -2)}00`);
    await Promise.all(orgs.map((org) => reserveNow(org, 1))); // opens the accounts
    const [rich, other, poor] = orgs as [string, string, string];
    await spendDownTo(credits, poor, 2);
    const results = await Promise.all(
      [rich, other, poor, rich, poor, other].map((org) => reserveNow(org, 2)),
    );
    expect(results.map((r) => (r.error as { code?: string } | undefined)?.code ?? "ok")).toEqual([
      "ok",
      "ok",
      "ok",
      "ok",
      "INSUFFICIENT_CREDITS",
      "ok",
    ]);
    const { rows } = await credits.pool.query(
      `select count(distinct xmin::text)::int as n from reservations
       where organization_id = any($1::uuid[]) and amount = 2`,
      [orgs],
    );
    expect(rows[0].n).toBe(1);
    expect(await balanceOf(credits, rich)).toMatchObject({ total: 95 });
    expect(await balanceOf(credits, other)).toMatchObject({ total: 95 });
    expect(await balanceOf(credits, poor)).toMatchObject({ total: 0 });
    for (const org of orgs) await expectLedgerConsistent(credits, org);
  });

  it("refuses a request that would oversell on its own; the others in its batch are granted", async () => {
    const org = newOrganizationId();
    await spendDownTo(credits, org, 10);
    const results = await Promise.all([1, 1, 9, 1, 1].map((amount) => reserveNow(org, amount)));
    expect(results.map((r) => (r.error as { code?: string } | undefined)?.code ?? "ok")).toEqual([
      "ok",
      "ok",
      "INSUFFICIENT_CREDITS",
      "ok",
      "ok",
    ]);
    expect(await balanceOf(credits, org)).toEqual({ total: 6, allowance: 6, packs: 0 });
    expect(await reservationCount(credits, org, 9)).toBe(0);
    await expectLedgerConsistent(credits, org);
  });

  it("reserves once for a key sent twice in one batch; a reused key with another amount is 409, the rest are granted", async () => {
    const org = newOrganizationId();
    const twice = `twice-${randomUUID()}`;
    const reused = `reused-${randomUUID()}`;
    await reserveNow(org, 2, reused);
    const [first, others, retry, conflict] = await Promise.all([
      reserveNow(org, 4, twice),
      Promise.all([reserveNow(org, 1), reserveNow(org, 1)]),
      reserveNow(org, 4, twice),
      reserveNow(org, 5, reused),
    ]);
    expect(first.created).toBe(true);
    expect(retry.created).toBe(false);
    expect(retry.reservation!.id).toBe(first.reservation!.id);
    expect(others.every((r) => r.created)).toBe(true);
    expect((conflict.error as { code?: string }).code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await balanceOf(credits, org)).toEqual({ total: 92, allowance: 92, packs: 0 });
    await expectLedgerConsistent(credits, org);
  });

  it("settles requests past the allowance together under the account lock: packs, refusals and retries each get their own answer", async () => {
    const org = newOrganizationId();
    await spendDownTo(credits, org, 3);
    const pack = await buyPack(credits, org, 100);
    const used = `used-${randomUUID()}`;
    const earlier = await reserveNow(org, 1, used);
    const results = await Promise.all([
      reserveNow(org, 5),
      reserveNow(org, 50),
      reserveNow(org, 60),
      reserveNow(org, 1, used),
      reserveNow(org, 40),
      reserveNow(org, 7, used),
    ]);
    expect(results.map((r) => (r.error as { code?: string } | undefined)?.code ?? "ok")).toEqual([
      "ok",
      "ok",
      "INSUFFICIENT_CREDITS",
      "ok",
      "ok",
      "IDEMPOTENCY_KEY_REUSED",
    ]);
    expect(results[0]!.reservation!.allocation).toEqual({
      allowance: 2,
      packs: [{ packId: pack.id, amount: 3 }],
    });
    expect(results[1]!.reservation!.allocation).toEqual({
      allowance: 0,
      packs: [{ packId: pack.id, amount: 50 }],
    });
    expect(results[3]).toMatchObject({ created: false, reservation: earlier.reservation });
    const { rows } = await credits.pool.query(
      `select count(distinct xmin::text)::int as n from reservations
       where organization_id = $1 and amount in (5, 50, 40)`,
      [org],
    );
    expect(rows[0].n).toBe(1);
    expect(await balanceOf(credits, org)).toEqual({ total: 7, allowance: 0, packs: 7 });
    await expectLedgerConsistent(credits, org);
  });

  it("opens the account of a new organization once when its first reservations arrive together", async () => {
    const org = newOrganizationId();
    const results = await Promise.all(Array.from({ length: 10 }, () => reserveNow(org, 5)));
    expect(results.every((r) => r.created)).toBe(true);
    expect(await balanceOf(credits, org)).toEqual({ total: 50, allowance: 50, packs: 0 });
    expect((await ledgerKinds(credits, org)).filter((k) => k === "grant")).toHaveLength(1);
    await expectLedgerConsistent(credits, org);
  });

  it("never oversells: 100 simultaneous reservations of 3 against 50 grant exactly 16, the rest 402", async () => {
    const org = newOrganizationId();
    await spendDownTo(credits, org, 50);
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => reserve(credits, org, 3)),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(16);
    expect(statuses.filter((s) => s === 402)).toHaveLength(84);
    expect(await balanceOf(credits, org)).toEqual({ total: 2, allowance: 2, packs: 0 });
    await expectLedgerConsistent(credits, org);
  });

  it("draws from packs past the allowance when requests arrive together, never more than there is", async () => {
    const org = newOrganizationId();
    await spendDownTo(credits, org, 20);
    await buyPack(credits, org, 100);
    const responses = await Promise.all(
      Array.from({ length: 150 }, () => reserve(credits, org, 1)),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(120);
    expect(statuses.filter((s) => s === 402)).toHaveLength(30);
    expect(await balanceOf(credits, org)).toEqual({ total: 0, allowance: 0, packs: 0 });
    await expectLedgerConsistent(credits, org);
  });
});

describe("the internal reservation API", () => {
  it("answers services only: a user's or key's identity is 401", async () => {
    const org = newOrganizationId();
    const response = await callAs(
      credits,
      userIdentity(org, "owner"),
      "POST",
      "/internal/v1/credits/reservations",
      {
        body: {
          organizationId: org,
          amount: 1,
          operation: "review",
          resourceId: "r",
          idempotencyKey: "k",
        },
      },
    );
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("UNAUTHORIZED");
  });

  it("acts only for the organization the service's token was signed for (403 otherwise)", async () => {
    const mine = newOrganizationId();
    const theirs = newOrganizationId();
    const body = (organizationId: string) => ({
      organizationId,
      amount: 1,
      operation: "review",
      resourceId: randomUUID(),
      idempotencyKey: randomUUID(),
    });
    const forged = await callAs(
      credits,
      reviewServiceIdentity(mine),
      "POST",
      "/internal/v1/credits/reservations",
      { body: body(theirs) },
    );
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe("FORBIDDEN");
    const held = await reserve(credits, theirs, 1);
    expect(held.status).toBe(201);
    const id = held.body.data.reservation.id as string;
    const capturedByOther = await callAs(
      credits,
      reviewServiceIdentity(mine),
      "POST",
      `/internal/v1/credits/reservations/${id}/capture`,
      { body: { organizationId: theirs } },
    );
    expect(capturedByOther.status).toBe(403);
    // Still held: its own organization can release it.
    const released = await release(credits, theirs, id);
    expect(released.body.data.reservation.status).toBe("released");
  });

  it("takes upper-case UUIDs as the same ids (not a 500)", async () => {
    const org = newOrganizationId();
    const held = await reserve(credits, org.toUpperCase(), 1);
    expect(held.status).toBe(201);
    expect(held.body.data.reservation.organizationId).toBe(org);
    const id = (held.body.data.reservation.id as string).toUpperCase();
    const captured = await capture(credits, org.toUpperCase(), id);
    expect(captured.status).toBe(200);
    expect(captured.body.data.reservation.status).toBe("captured");
  });

  it("is 401 without an identity token", async () => {
    const response = await fetch(`${credits.url}/internal/v1/credits/reservations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(401);
  });

  it("validates the body (400 with details)", async () => {
    const response = await callAs(
      credits,
      reviewServiceIdentity(),
      "POST",
      "/internal/v1/credits/reservations",
      {
        body: {
          organizationId: "not-a-uuid",
          amount: 0,
          operation: "magic",
          resourceId: "",
          idempotencyKey: "",
        },
      },
    );
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("VALIDATION_ERROR");
    const paths = response.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "body.organizationId",
        "body.amount",
        "body.operation",
        "body.resourceId",
        "body.idempotencyKey",
      ]),
    );
  });

  it("does not find another organization's reservation, nor a malformed id (404)", async () => {
    const owner = newOrganizationId();
    const other = newOrganizationId();
    await reserve(credits, other, 1);
    const held = await reserve(credits, owner, 1);
    const id = held.body.data.reservation.id;
    expect((await capture(credits, other, id)).status).toBe(404);
    expect((await release(credits, other, id)).status).toBe(404);
    expect((await capture(credits, owner, "not-a-uuid")).status).toBe(404);
    expect((await capture(credits, owner, randomUUID())).status).toBe(404);
    const stillPending = await credits.pool.query("select status from reservations where id = $1", [
      id,
    ]);
    expect(stillPending.rows[0].status).toBe("pending");
  });
});
