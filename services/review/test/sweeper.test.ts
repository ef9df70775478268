import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Worker } from "bullmq";
import { waitFor } from "@clment/testing";
import { sql } from "kysely";
import { WORK_QUEUE } from "../src/jobs/work.queue.js";
import { sweepOnce } from "../src/jobs/work.sweeper.js";
import { ReviewHarness, type TestOrganization } from "./support/harness.js";

/**
 * The sweeper settles what its job left unsettled. Each harness's first instance takes requests
 * but runs no worker, so a test decides what happens to the queued job before a worker starts.
 */

const STALE_MS = 30_000;

/** Makes the review look untouched for a minute: older than the sweeper's `STALE_MS`. */
async function makeStale(harness: ReviewHarness, id: string): Promise<void> {
  await harness.inspect.db
    .updateTable("reviews")
    .set({ updated_at: new Date(Date.now() - 60_000) })
    .where("id", "=", id)
    .execute();
}

/** One sweep by a review instance, as its timer would run it. */
function sweep(harness: ReviewHarness, instance: number): Promise<number> {
  const { app } = harness.servicesOf(instance);
  return sweepOnce({ db: app.db, queue: app.queue, logger: app.logger, staleMs: STALE_MS });
}

async function jobState(harness: ReviewHarness, id: string): Promise<string | undefined> {
  return (await harness.servicesOf(0).app.queue.job("review", id))?.getState();
}

async function captures(harness: ReviewHarness, org: TestOrganization, id: string) {
  return (await harness.ledger(org)).filter((e) => e.kind === "capture" && e.resourceId === id);
}

describe("work completed while the credits service was down", () => {
  let harness: ReviewHarness;

  beforeAll(async () => {
    harness = await ReviewHarness.start({ worker: false });
  });
  afterAll(() => harness?.close());

  it("is charged once by the sweeper when the credits service is back", async () => {
    const org = await harness.newOrganization();
    const before = await harness.balance(org);
    const id = await harness.queueAgreementReview(org);

    // A worker completes the review while every attempt to capture its credits fails.
    await harness.stopCredits();
    const worker = await harness.startReview();
    try {
      await waitFor(async () => (await jobState(harness, id)) === "failed", {
        timeoutMs: 20_000,
        message: "the job to run out of attempts",
      });
      const stored = await harness.inspect.db
        .selectFrom("reviews")
        .select(["status", "charged_at"])
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      expect(stored).toEqual({ status: "completed", charged_at: null });

      await harness.startCredits();
      await makeStale(harness, id);
      expect(await sweep(harness, 1)).toBe(1);
      const review = await harness.settled(org, `/v1/reviews/${id}`, "review");
      expect(review).toMatchObject({
        status: "completed",
        attempts: 1,
        credits: { amount: 10, charged: true, released: false },
      });
      expect(await harness.balance(org)).toBe(before - 10);
      expect(await captures(harness, org, id)).toHaveLength(1);

      // Charged: later sweeps leave it alone.
      await makeStale(harness, id);
      expect(await sweep(harness, 1)).toBe(0);
      expect(await captures(harness, org, id)).toHaveLength(1);
    } finally {
      await worker.close();
    }
  });

  it("is not charged by the sweeper once its credits are no longer held", async () => {
    const org = await harness.newOrganization();
    const id = await harness.queueAgreementReview(org);
    // Its job is gone and it reads completed but uncharged, two hours after its credits were
    // reserved: the credits service let the hold go an hour ago.
    await (await harness.servicesOf(0).app.queue.job("review", id))!.remove();
    await sql`
      update reviews set status = 'completed', completed_at = now(),
        created_at = now() - interval '2 hours'
      where id = ${id}`.execute(harness.inspect.db);
    await makeStale(harness, id);
    expect(await sweep(harness, 0)).toBe(0);
    expect(await jobState(harness, id)).toBeUndefined();
  });
});

describe("work whose job failed without its resource being marked failed", () => {
  let harness: ReviewHarness;

  beforeAll(async () => {
    harness = await ReviewHarness.start({ worker: false });
  });
  afterAll(() => harness?.close());

  it("is left alone while its job waits, and finished by the sweeper once the job has failed", async () => {
    const org = await harness.newOrganization();
    const before = await harness.balance(org);
    const id = await harness.queueAgreementReview(org);
    await makeStale(harness, id);
    expect(await jobState(harness, id)).toBe("waiting");
    expect(await sweep(harness, 0)).toBe(0);

    // Every attempt fails before anything is written, and so does marking the review failed
    // (Postgres was unreachable): a worker that only fails the job stands in for that.
    const context = harness.reviewInstances[0]!.context;
    const failing = new Worker(
      WORK_QUEUE,
      () => Promise.reject(new Error("the database is unreachable")),
      { connection: context.workerConnection(), prefix: context.queues.bullPrefix },
    );
    try {
      await waitFor(async () => (await jobState(harness, id)) === "failed", {
        message: "the job to run out of attempts",
      });
    } finally {
      await failing.close();
    }
    const stuck = (await harness.as(org.user, "GET", `/v1/reviews/${id}`)).body.data.review;
    expect(stuck).toMatchObject({ status: "queued", credits: { charged: false, released: false } });

    await harness.startReview();
    await makeStale(harness, id);
    expect(await sweep(harness, 1)).toBe(1);
    const review = await harness.settled(org, `/v1/reviews/${id}`, "review");
    expect(review).toMatchObject({ status: "completed", attempts: 1, credits: { charged: true } });
    expect(await harness.balance(org)).toBe(before - 10);
    expect(await captures(harness, org, id)).toHaveLength(1);
  });
});
