import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { sql } from "kysely";
import { waitFor } from "@clment/testing";
import { RESERVATION_HOLD_MS } from "../src/domain/metering.js";
import { sweepOnce } from "../src/jobs/work.sweeper.js";
import { ReviewHarness } from "./support/harness.js";

/**
 * Work is done only while its credits are held: a job that could only start after the hold
 * (almost) ran out fails, saying why, and gives the credits back, instead of doing free work.
 * The harness's first instance takes requests but runs no worker, so the job waits.
 */
/** Makes a review look requested `ms` ago (its credits were reserved then). */
async function requestedAgo(harness: ReviewHarness, id: string, ms: number): Promise<void> {
  const at = new Date(Date.now() - ms);
  await sql`update reviews set created_at = ${at} where id = ${id}`.execute(harness.inspect.db);
}

describe("work whose credits hold ran out while it waited", () => {
  let harness: ReviewHarness;

  beforeAll(async () => {
    harness = await ReviewHarness.start({ worker: false });
  });
  afterAll(() => harness?.close());

  it("fails without doing the work, is not charged, and its credits come back", async () => {
    const org = await harness.newOrganization();
    const before = await harness.balance(org);
    const id = await harness.queueAgreementReview(org);
    expect(await harness.balance(org)).toBe(before - 10);
    // Requested 55 minutes ago: less than one attempt's time is left of the hour's hold.
    await requestedAgo(harness, id, RESERVATION_HOLD_MS - 5 * 60_000);

    await harness.startReview();
    const review = await harness.settled(org, `/v1/reviews/${id}`, "review");
    expect(review).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/credits held for it ran out/),
      credits: { charged: false, released: true },
    });
    const findings = await harness.inspect.db
      .selectFrom("findings")
      .select("id")
      .where("review_id", "=", id)
      .execute();
    expect(findings).toEqual([]);
    expect(await harness.balance(org)).toBe(before);
  });

  it("still runs work requested within the hold", async () => {
    const org = await harness.newOrganization();
    const id = await harness.queueAgreementReview(org);
    await requestedAgo(harness, id, 30 * 60_000);
    await harness.startReview();
    const review = await harness.settled(org, `/v1/reviews/${id}`, "review");
    expect(review).toMatchObject({ status: "completed", credits: { charged: true } });
  });

  it("gives back the credits of failed work whose release had failed, when the sweeper finds it", async () => {
    const org = await harness.newOrganization();
    const before = await harness.balance(org);
    const id = await harness.queueAgreementReview(org);
    const review = await harness.settled(org, `/v1/reviews/${id}`, "review");
    expect(review.status).toBe("completed");
    // As if it had failed and the release had not reached credits: held, neither charged nor
    // released, untouched for a minute.
    const other = await harness.queueAgreementReview(org);
    await harness.settled(org, `/v1/reviews/${other}`, "review");
    await sql`update reviews set status = 'failed', error = 'lost', charged_at = null,
      released_at = null, updated_at = now() - interval '1 minute' where id = ${other}`.execute(
      harness.inspect.db,
    );
    const { app } = harness.servicesOf(0);
    // Its reservation was captured above; hold a fresh one to stand for the unreleased credits.
    const held = await app.metering.reserve(org.id, "review", `sweeper-${other}`);
    await sql`update reviews set reservation_id = ${held.reservationId} where id = ${other}`.execute(
      harness.inspect.db,
    );
    expect(await harness.balance(org)).toBe(before - 30);

    expect(
      await sweepOnce({ db: app.db, queue: app.queue, logger: app.logger, staleMs: 30_000 }),
    ).toBe(1);
    await waitFor(async () => ((await harness.balance(org)) === before - 20 ? true : undefined), {
      message: "the failed review's credits to come back",
    });
    const swept = await harness.as(org.user, "GET", `/v1/reviews/${other}`);
    expect(swept.body.data.review).toMatchObject({
      status: "failed",
      credits: { charged: false, released: true },
    });
  });
});
