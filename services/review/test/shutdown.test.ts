import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { IDENTITY_HEADER } from "@clment/auth";
import { waitFor } from "@clment/testing";
import { ReviewHarness, type TestOrganization } from "./support/harness.js";
import { MarkerProvider, MARKERS, markedText } from "./support/test-providers.js";

/** A text file the marker provider reacts to. */
function markedFile(filename: string, marker: string) {
  return { filename, data: markedText(marker), type: "text/plain" };
}

/**
 * A JSON request in flight: the server has its headers (it answered `100 Continue`, which
 * `continued` waits for) and waits for its body until `finish` sends it.
 */
function requestInFlight(url: string, path: string, identityToken: string) {
  const body = Buffer.from(JSON.stringify({ playbookId: "not-a-playbook" }));
  const req = request(`${url}${path}`, {
    method: "POST",
    headers: {
      [IDENTITY_HEADER]: identityToken,
      "content-type": "application/json",
      "content-length": body.length,
      expect: "100-continue",
    },
  });
  const continued = new Promise<void>((resolve) => req.once("continue", () => resolve()));
  const status = new Promise<number>((resolve, reject) => {
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
  });
  req.flushHeaders();
  return { continued, status, finish: () => req.end(body) };
}

describe("a review instance that is stopping", () => {
  let harness: ReviewHarness;
  const provider = new MarkerProvider();

  // Instance 0 serves the API without a worker and stays up; the test stops instance 1.
  beforeAll(async () => {
    harness = await ReviewHarness.start({ worker: false });
  });
  afterAll(() => harness?.close());

  async function statusOf(org: TestOrganization, id: string): Promise<string> {
    return (await harness.as(org.user, "GET", `/v1/reviews/${id}`)).body.data.review.status;
  }

  it("takes no new job while its HTTP requests drain, and finishes the job it holds", async () => {
    const stopping = await harness.startReview({ provider });
    const org = await harness.newOrganization();
    const nextContract = await harness.uploadContract(org, markedFile("next.txt", "plain"));
    const held = await harness.queueReview(org, markedFile("held.txt", MARKERS.held));
    await waitFor(async () => (await statusOf(org, held)) === "running", {
      message: "the worker to start on the held review",
    });

    const inFlight = requestInFlight(
      stopping.url,
      `/v1/contracts/${nextContract}/reviews`,
      await harness.tokens.sign(org.user),
    );
    await inFlight.continued;
    const closed = stopping.close();

    // Work queued after stopping began is left to the region's other workers.
    const queued = await harness.as(org.user, "POST", `/v1/contracts/${nextContract}/reviews`, {
      body: { playbookId: await harness.standardPlaybook(org) },
    });
    expect(queued.status).toBe(202);
    const next = queued.body.data.review.id as string;
    provider.answerHeld();
    await waitFor(async () => (await statusOf(org, held)) === "completed", {
      message: "the held review to complete during the drain",
    });

    inFlight.finish();
    expect(await inFlight.status).toBe(400);
    await closed;
    expect(await statusOf(org, next)).toBe("queued");
    const job = await harness.servicesOf(0).app.queue.job("review", next);
    expect(await job?.getState()).toBe("waiting");
    expect(provider.calls).toBe(1);
  });
});
