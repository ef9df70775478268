import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { waitFor } from "@clment/testing";
import { agreementDocx } from "./support/agreement.documents.js";
import { DOCX_TYPE, ReviewHarness, type TestOrganization } from "./support/harness.js";
import { MarkerProvider, MARKERS, markedText } from "./support/test-providers.js";

/** A text file the marker provider reacts to. */
function markedFile(filename: string, marker: string) {
  return { filename, data: markedText(marker), type: "text/plain" };
}

describe("credits for reviews", () => {
  let harness: ReviewHarness;
  const provider = new MarkerProvider();

  beforeAll(async () => {
    harness = await ReviewHarness.start({ provider });
  });
  afterAll(() => harness?.close());

  async function reviewsOf(org: TestOrganization): Promise<number> {
    const row = await harness.inspect.db
      .selectFrom("reviews")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organization_id", "=", org.id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it("answers 402 when credits are short, with nothing queued or charged", async () => {
    const org = await harness.newOrganization();
    const playbookId = await harness.standardPlaybook(org);
    const contractId = await harness.uploadContract(org, {
      filename: "msa.docx",
      data: await agreementDocx(),
      type: DOCX_TYPE,
    });
    // Someone else's work holds all but 5 credits.
    const balance = await harness.balance(org);
    const hold = await harness.credits.reserve({
      organizationId: org.id,
      amount: balance - 5,
      operation: "review",
      resourceId: randomUUID(),
      idempotencyKey: randomUUID(),
    });
    const response = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId },
    });
    expect(response.status).toBe(402);
    expect(response.body.error.code).toBe("INSUFFICIENT_CREDITS");
    expect(await reviewsOf(org)).toBe(0);
    expect((await harness.as(org.user, "GET", "/v1/reviews")).body.data.total).toBe(0);
    expect(await harness.balance(org)).toBe(5);

    // Once the hold is released, the same request goes through.
    await harness.credits.release(org.id, hold.id);
    const retried = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId },
    });
    expect(retried.status).toBe(202);
  });

  it("releases the credits of a review the engine fails on, without retrying what cannot succeed", async () => {
    const org = await harness.newOrganization();
    const before = await harness.balance(org);
    const id = await harness.queueReview(org, markedFile("broken.txt", MARKERS.broken));
    const review = await harness.settled(org, `/v1/reviews/${id}`, "review");
    expect(review).toMatchObject({
      status: "failed",
      summary: null,
      error: "The review engine could not review this contract",
      attempts: 1,
      credits: { amount: 10, charged: false, released: true },
    });
    expect(await harness.balance(org)).toBe(before);
    const ledger = await harness.ledger(org);
    expect(
      ledger
        .filter((e) => e.resourceId === review.id)
        .map((e) => e.kind)
        .sort(),
    ).toEqual(["release", "reserve"]);
    const findings = await harness.as(org.user, "GET", `/v1/reviews/${review.id}/findings`);
    expect(findings.body.data).toEqual({ findings: [], total: 0 });
  });

  it("retries a review that may succeed later, then fails it and releases its credits", async () => {
    const org = await harness.newOrganization();
    const before = await harness.balance(org);
    const id = await harness.queueReview(org, markedFile("flaky.txt", MARKERS.flaky));
    const review = await harness.settled(org, `/v1/reviews/${id}`, "review");
    expect(review).toMatchObject({
      status: "failed",
      attempts: 3,
      error: "The review engine failed: the model did not answer in time",
      credits: { charged: false, released: true },
    });
    expect(await harness.balance(org)).toBe(before);
  });

  it("does not charge a review that was failed while its engine was still working on it", async () => {
    const org = await harness.newOrganization();
    const before = await harness.balance(org);
    const id = await harness.queueReview(org, markedFile("held.txt", MARKERS.held));
    await waitFor(
      async () =>
        (await harness.as(org.user, "GET", `/v1/reviews/${id}`)).body.data.review.status ===
        "running",
      { message: "the engine to start on the review" },
    );
    // Meanwhile BullMQ gave up on the job and the review was marked failed; its credits are
    // not given back yet (the credits service did not answer the release).
    await harness.inspect.db
      .updateTable("reviews")
      .set({
        status: "failed",
        error: "The job was interrupted too often",
        completed_at: new Date(),
      })
      .where("id", "=", id)
      .execute();

    provider.answerHeld();
    const queue = harness.servicesOf(0).app.queue;
    await waitFor(async () => (await (await queue.job("review", id))?.getState()) === "completed", {
      message: "the job to finish",
    });
    const ledger = await harness.ledger(org);
    expect(ledger.filter((e) => e.resourceId === id).map((e) => e.kind)).toEqual(["reserve"]);
    const stored = await harness.inspect.db
      .selectFrom("reviews")
      .select(["status", "charged_at"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ status: "failed", charged_at: null });

    // Failing it again, as a worker that gives up does, gives the credits back.
    await harness.servicesOf(0).jobs.review.fail({ organizationId: org.id, id }, "unused");
    const review = await harness.settled(org, `/v1/reviews/${id}`, "review");
    expect(review).toMatchObject({
      status: "failed",
      error: "The job was interrupted too often",
      credits: { charged: false, released: true },
    });
    expect(await harness.balance(org)).toBe(before);
  });

  it("charges a retried request with the same Idempotency-Key once, and refuses the key for another request", async () => {
    const org = await harness.newOrganization();
    const playbookId = await harness.standardPlaybook(org);
    const before = await harness.balance(org);
    const contractId = await harness.uploadContract(org, {
      filename: "msa.docx",
      data: await agreementDocx(),
      type: DOCX_TYPE,
    });
    const headers = { "idempotency-key": `review-${randomUUID()}` };
    const first = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId },
      headers,
    });
    const second = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId },
      headers,
    });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.body.data.review.id).toBe(first.body.data.review.id);
    await harness.settled(org, `/v1/reviews/${first.body.data.review.id}`, "review");
    expect(await reviewsOf(org)).toBe(1);
    expect(await harness.balance(org)).toBe(before - 10);
    const ledger = await harness.ledger(org);
    expect(ledger.filter((e) => e.kind === "reserve")).toHaveLength(1);
    expect(ledger.filter((e) => e.kind === "capture")).toHaveLength(1);

    const otherPlaybook = (
      await harness.as(org.user, "POST", "/v1/playbooks", { body: { copyFrom: playbookId } })
    ).body.data.playbook.id;
    const reused = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId: otherPlaybook },
      headers,
    });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await reviewsOf(org)).toBe(1);
  });
});

describe("a review worker that dies mid-job", () => {
  let harness: ReviewHarness;

  beforeAll(async () => {
    // Worker A hangs on the marked contract; its lock runs out a second after it stops renewing.
    harness = await ReviewHarness.start({
      provider: new MarkerProvider({ hang: true }),
      settings: { jobLockMs: 1_000 },
    });
  });
  afterAll(() => harness?.close());

  it("has its job taken over by another worker: completed once, charged once", async () => {
    const org = await harness.newOrganization();
    const before = await harness.balance(org);
    const id = await harness.queueReview(org, markedFile("hangs.txt", MARKERS.hang));
    await waitFor(
      async () =>
        (await harness.as(org.user, "GET", `/v1/reviews/${id}`)).body.data.review.status ===
        "running",
      { message: "worker A to start the review" },
    );

    // Worker A dies: it stops without finishing (or releasing) the job it holds.
    await harness.killWorker(0);

    // Worker B, a healthy instance of the service, takes the stalled job over.
    await harness.startReview({ provider: new MarkerProvider(), settings: { jobLockMs: 1_000 } });
    const review = await harness.settled(org, `/v1/reviews/${id}`, "review");
    expect(review).toMatchObject({
      status: "completed",
      attempts: 2,
      credits: { charged: true, released: false },
    });
    expect(review.summary.total).toBe(12);
    expect(await harness.balance(org)).toBe(before - 10);
    const ledger = await harness.ledger(org);
    expect(ledger.filter((e) => e.kind === "capture" && e.resourceId === id)).toHaveLength(1);
    const findings = await harness.as(org.user, "GET", `/v1/reviews/${id}/findings?take=100`);
    expect(findings.body.data.total).toBe(12);
  });
});

describe("work whose job Redis lost", () => {
  let harness: ReviewHarness;

  beforeAll(async () => {
    // This instance takes requests but runs no worker, so the queued job can be taken away.
    harness = await ReviewHarness.start({ worker: false });
  });
  afterAll(() => harness?.close());

  it("is queued again by the sweeper and completes, charged once", async () => {
    const org = await harness.newOrganization();
    const before = await harness.balance(org);
    const id = await harness.queueAgreementReview(org);
    const services = harness.servicesOf(0);
    await (await services.app.queue.job("review", id))!.remove();
    await harness.inspect.db
      .updateTable("reviews")
      .set({ updated_at: new Date(Date.now() - 60_000) })
      .where("id", "=", id)
      .execute();

    await harness.startReview({ settings: { sweepIntervalMs: 200, staleWorkMs: 30_000 } });
    const review = await harness.settled(org, `/v1/reviews/${id}`, "review");
    expect(review).toMatchObject({ status: "completed", attempts: 1 });
    expect(await harness.balance(org)).toBe(before - 10);
  });
});
