import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { metrics } from "@clment/runtime";
import { waitFor } from "@clment/testing";
import { ReviewHarness, type TestOrganization } from "./support/harness.js";
import { MarkerProvider, MARKERS, markedText } from "./support/test-providers.js";

/** A text file the marker provider reacts to. */
function markedFile(filename: string, marker: string) {
  return { filename, data: markedText(marker), type: "text/plain" };
}

describe("clment_queue_depth", () => {
  let harness: ReviewHarness;
  let metricsServer: metrics.MetricsServer;
  const provider = new MarkerProvider();

  beforeAll(async () => {
    // Instance 0 queues work (a retry waits a minute) and runs no worker; instance 1 works one
    // job at a time.
    harness = await ReviewHarness.start({ worker: false, settings: { jobBackoffMs: 60_000 } });
    await harness.startReview({ provider, settings: { workerConcurrency: 1 } });
    metricsServer = await metrics.startMetricsServer(0);
  });
  afterAll(async () => {
    await metricsServer?.close();
    await harness?.close();
  });

  async function scrape(): Promise<string> {
    const response = await fetch(`${metricsServer.url}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  }

  function depth(text: string, service: string, queue: string, state: string): number | null {
    const line = text
      .split("\n")
      .find((l) =>
        l.startsWith(`clment_queue_depth{service="${service}",queue="${queue}",state="${state}"} `),
      );
    return line === undefined ? null : Number(line.split(" ")[1]);
  }

  async function reviewIn(org: TestOrganization, id: string, status: string): Promise<void> {
    await waitFor(
      async () =>
        (await harness.as(org.user, "GET", `/v1/reviews/${id}`)).body.data.review.status === status,
      { message: `review ${id} to be ${status}` },
    );
  }

  it("counts the review work queue's jobs by state, beside every other queue of the process", async () => {
    const org = await harness.newOrganization();
    const queue = harness.servicesOf(0).app.queue;
    const broken = await harness.queueReview(org, markedFile("broken.txt", MARKERS.broken));
    await reviewIn(org, broken, "failed");
    const flaky = await harness.queueReview(org, markedFile("flaky.txt", MARKERS.flaky));
    await waitFor(
      async () => (await (await queue.job("review", flaky))?.getState()) === "delayed",
      {
        message: "the flaky review's retry to wait",
      },
    );
    const held = await harness.queueReview(org, markedFile("held.txt", MARKERS.held));
    await reviewIn(org, held, "running");
    await harness.queueReview(org, markedFile("next.txt", "plain"));

    const text = await scrape();
    expect({
      waiting: depth(text, "review", "review.work", "waiting"),
      active: depth(text, "review", "review.work", "active"),
      delayed: depth(text, "review", "review.work", "delayed"),
      failed: depth(text, "review", "review.work", "failed"),
    }).toEqual({ waiting: 1, active: 1, delayed: 1, failed: 1 });
    // The contracts and credits services of this process count their work queues too.
    expect(text).toMatch(/clment_queue_depth\{service="contracts",queue="[^"]+",state="waiting"\}/);
    expect(text).toMatch(/clment_queue_depth\{service="credits",queue="[^"]+",state="active"\}/);

    provider.answerHeld();
    await reviewIn(org, held, "completed");
    await waitFor(async () => depth(await scrape(), "review", "review.work", "active") === 0, {
      message: "the queue to be worked through",
    });
  });
});
