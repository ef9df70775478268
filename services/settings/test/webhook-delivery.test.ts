import { createHmac, timingSafeEqual } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { sql } from "kysely";
import { Webhook } from "standardwebhooks";
import { startRecordingServer, type RecordedRequest, type RecordingServer } from "@clment/testing";
import type { SignedUp } from "./harness.js";
import {
  contractCreated,
  createWebhook,
  creditsBalance,
  deliveriesOf,
  envelope,
  pause,
  publishContractCreated,
  publishEvent,
  settledDelivery,
  startWebhookTestbed,
  verified,
  type WebhookTestbed,
} from "./webhook-support.js";

/**
 * A verifier written from the Standard Webhooks text alone: HMAC-SHA256 of "id.timestamp.body"
 * keyed with the base64-decoded secret after "whsec_", base64, any of the "v1," entries.
 */
function independentlyVerify(secret: string, request: RecordedRequest): boolean {
  const id = request.headers["webhook-id"] as string;
  const timestamp = request.headers["webhook-timestamp"] as string;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${request.body}`).digest();
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;
  return (
    fresh &&
    String(request.headers["webhook-signature"])
      .split(" ")
      .some((entry) => {
        const given = Buffer.from(entry.replace(/^v1,/, ""), "base64");
        return (
          entry.startsWith("v1,") &&
          given.length === expected.length &&
          timingSafeEqual(given, expected)
        );
      })
  );
}

describe("webhook delivery", () => {
  let testbed: WebhookTestbed;
  let owner: SignedUp;
  let receiver: RecordingServer;
  const resolver = async (hostname: string) =>
    hostname === "hooks.customer.test"
      ? [{ address: "127.0.0.1", family: 4 }]
      : (await import("node:dns/promises")).lookup(hostname, { all: true });

  beforeAll(async () => {
    testbed = await startWebhookTestbed({ resolver, webhooks: { timeoutMs: 1_500 } });
  });
  beforeEach(async () => {
    // Each test has an organization of its own, so no other test's endpoint gets its events.
    owner = await testbed.settings.signup();
  });
  afterAll(async () => {
    await testbed?.close();
  });
  afterEach(async () => {
    await receiver?.close();
  });

  async function subscribe(events = ["contract.created"], who = owner) {
    receiver = await startRecordingServer();
    const webhook = await createWebhook(testbed.settings, who.identity, {
      url: `${receiver.url}/hooks`,
      events,
    });
    return webhook;
  }

  /** The owner's delivery of `eventId` by webhook `id`, once it reaches `status`. */
  function settled(
    id: string,
    eventId: string,
    status: "succeeded" | "failed" | "pending",
    options?: { minAttempts?: number },
  ) {
    return settledDelivery(testbed.settings, owner.identity, id, eventId, status, options);
  }

  it("delivers a subscribed event, signed per Standard Webhooks (three verifiers agree)", async () => {
    const { id, secret } = await subscribe();
    const event = await publishContractCreated(testbed.settings, owner.organization.id);

    const [request] = await receiver.waitForRequests(1);
    expect(request!.method).toBe("POST");
    expect(request!.path).toBe("/hooks");
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["webhook-id"]).toBe(event.id);
    expect(request!.headers["webhook-timestamp"]).toMatch(/^\d{10}$/);
    expect(request!.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(request!.body)).toEqual({
      id: event.id,
      type: "contract.created",
      createdAt: event.createdAt,
      data: event.data,
    });
    expect(verified(secret, request!)).toEqual(JSON.parse(request!.body));
    expect(independentlyVerify(secret, request!)).toBe(true);
    expect(new Webhook(secret).verify(request!.body, request!.headers as never)).toEqual(
      JSON.parse(request!.body),
    );

    const delivery = await settled(id, event.id, "succeeded");
    expect(delivery).toMatchObject({
      webhookId: id,
      eventId: event.id,
      eventType: "contract.created",
      status: "succeeded",
      attemptCount: 1,
      statusCode: 200,
      durationMs: expect.any(Number),
      responseExcerpt: "ok",
      error: null,
      nextAttemptAt: null,
      deliveredAt: expect.any(String),
    });
    expect(delivery.attempts).toEqual([
      expect.objectContaining({ attempt: 1, trigger: "event", statusCode: 200 }),
    ]);
  });

  it("never delivers an event to another organization's endpoint, nor an unsubscribed type", async () => {
    const other = await testbed.settings.signup();
    const theirs = await startRecordingServer();
    try {
      const theirHook = await createWebhook(testbed.settings, other.identity, {
        url: `${theirs.url}/hooks`,
        events: ["contract.created", "credits.low"],
      });
      const mine = await subscribe(["contract.created"]);
      const event = contractCreated(owner.organization.id);
      const lowCredits = envelope("credits.low", owner.organization.id, creditsBalance(5));
      await publishEvent(testbed.settings, lowCredits);
      await publishEvent(testbed.settings, event);
      await settled(mine.id, event.id, "succeeded");
      await pause(500);
      expect(receiver.requests.map((r) => JSON.parse(r.body).id)).toEqual([event.id]);
      expect(theirs.requests).toHaveLength(0);
      expect(await deliveriesOf(testbed.settings, other.identity, theirHook.id)).toEqual([]);
    } finally {
      await theirs.close();
    }
  });

  it("delivers an event once even when it arrives twice", async () => {
    const { id } = await subscribe();
    const event = await publishContractCreated(testbed.settings, owner.organization.id);
    await settled(id, event.id, "succeeded");
    // The same event again, as a relay that crashed before marking it published would send it.
    await publishEvent(testbed.settings, event, { jobId: `${event.id}-again` });
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from webhook_deliveries where event_id = ${event.id}
    `.execute(testbed.settings.db);
    await pause(500);
    expect(rows[0]!.n).toBe(1);
    expect(receiver.requests).toHaveLength(1);
  });

  it("retries a failing endpoint with growing delays, with the same webhook-id, and stops on a 2xx", async () => {
    const { id, secret } = await subscribe();
    receiver.respond((_, index) => (index < 2 ? { status: 500, body: "boom" } : { status: 204 }));
    const event = await publishContractCreated(testbed.settings, owner.organization.id);

    const requests = await receiver.waitForRequests(3);
    expect(requests.map((r) => r.headers["webhook-id"])).toEqual([event.id, event.id, event.id]);
    for (const request of requests) expect(verified(secret, request).id).toBe(event.id);
    const gaps = [1, 2].map((i) => requests[i]!.receivedAt - requests[i - 1]!.receivedAt);
    // The schedule says 300 ms, then 600 ms: a loaded machine can only make them longer, so
    // lower bounds are safe, and the second wait is longer than the first delay.
    expect(gaps[0]).toBeGreaterThanOrEqual(250);
    expect(gaps[1]).toBeGreaterThanOrEqual(550);

    const delivery = await settled(id, event.id, "succeeded");
    expect(delivery.attemptCount).toBe(3);
    expect(delivery.attempts.map((a: any) => [a.trigger, a.statusCode, a.responseExcerpt])).toEqual(
      [
        ["event", 500, "boom"],
        ["retry", 500, "boom"],
        ["retry", 204, ""],
      ],
    );
    await pause(1_500); // longer than the next delay of the schedule
    expect(receiver.requests).toHaveLength(3);
  });

  it("shows the next attempt while it waits, and gives up when the schedule ends", async () => {
    const { id } = await subscribe();
    receiver.respond(() => ({ status: 503, body: "x".repeat(5_000) }));
    const event = await publishContractCreated(testbed.settings, owner.organization.id);
    const waiting = await settled(id, event.id, "pending");
    expect(waiting.statusCode).toBe(503);
    expect(Date.parse(waiting.nextAttemptAt)).toBeGreaterThan(Date.parse(waiting.lastAttemptAt));
    expect(waiting.responseExcerpt.length).toBeLessThanOrEqual(1_024);

    const failed = await settled(id, event.id, "failed");
    expect(failed.attemptCount).toBe(4); // immediately, then 300 ms, 600 ms, 1.2 s
    expect(failed.nextAttemptAt).toBeNull();
    expect(receiver.requests).toHaveLength(4);
  });

  it("does not follow a redirect: a 3xx is a failed attempt and the target gets nothing", async () => {
    const target = await startRecordingServer();
    try {
      const { id } = await subscribe();
      receiver.respond(() => ({ status: 302, headers: { location: `${target.url}/stolen` } }));
      const event = await publishContractCreated(testbed.settings, owner.organization.id);
      const delivery = await settled(id, event.id, "pending");
      expect(delivery.statusCode).toBe(302);
      expect(delivery.error).toContain("redirect not followed");
      await receiver.waitForRequests(2);
      expect(target.requests).toHaveLength(0);
    } finally {
      await target.close();
    }
  });

  it("times out a receiver that answers too slowly, and retries", async () => {
    const { id } = await subscribe();
    receiver.respond((_, index) =>
      index === 0 ? { status: 200, delayMs: 5_000 } : { status: 200 },
    );
    const event = await publishContractCreated(testbed.settings, owner.organization.id);
    const delivery = await settled(id, event.id, "succeeded");
    expect(delivery.attempts[0]).toMatchObject({
      statusCode: null,
      error: "timed out after 1500 ms",
    });
    expect(delivery.attempts[0].durationMs).toBeGreaterThanOrEqual(1_400);
    expect(delivery.attempts[0].durationMs).toBeLessThan(5_000);
    expect(delivery.attempts[1]).toMatchObject({ statusCode: 200, trigger: "retry" });
  });

  it("logs a refused connection as a failed attempt", async () => {
    const { id } = await subscribe();
    await receiver.close(); // nothing listens there any more
    const event = await publishContractCreated(testbed.settings, owner.organization.id);
    const delivery = await settled(id, event.id, "pending");
    expect(delivery).toMatchObject({ statusCode: null, error: "connection refused" });
  });

  it("redelivers with the same webhook-id and body, a fresh signature, and logs the attempt", async () => {
    const { id, secret } = await subscribe();
    const event = await publishContractCreated(testbed.settings, owner.organization.id);
    const first = await settled(id, event.id, "succeeded");

    const redelivered = await testbed.settings.request(
      "POST",
      `/v1/settings/webhooks/${id}/deliveries/${first.id}/redeliver`,
      { as: owner.identity },
    );
    expect(redelivered.status).toBe(202);
    expect(redelivered.body.data.delivery).toMatchObject({ id: first.id, status: "pending" });

    const [original, again] = await receiver.waitForRequests(2);
    expect(again!.headers["webhook-id"]).toBe(original!.headers["webhook-id"]);
    expect(again!.body).toBe(original!.body);
    expect(verified(secret, again!).id).toBe(event.id);
    const delivery = await settled(id, event.id, "succeeded", { minAttempts: 2 });
    expect(delivery.attempts.map((a: any) => a.trigger)).toEqual(["event", "redeliver"]);
  });

  it("sends a signed webhook.test event on request, whatever the subscription", async () => {
    const { id, secret } = await subscribe(["credits.exhausted"]);
    const sent = await testbed.settings.request("POST", `/v1/settings/webhooks/${id}/test`, {
      as: owner.identity,
    });
    expect(sent.status).toBe(202);
    const [request] = await receiver.waitForRequests(1);
    const body = verified(secret, request!);
    expect(body).toMatchObject({
      id: sent.body.data.delivery.eventId,
      type: "webhook.test",
      data: { webhook: { id, url: `${receiver.url}/hooks` } },
    });
    const delivery = await settled(id, body.id, "succeeded");
    expect(delivery.attempts[0].trigger).toBe("test");
  });

  it("after a secret rotation signs with both secrets for 24 hours, then with the new one only", async () => {
    const { id, secret: previous } = await subscribe();
    const rotated = await testbed.settings.request(
      "POST",
      `/v1/settings/webhooks/${id}/rotate-secret`,
      { as: owner.identity },
    );
    const current = rotated.body.data.secret as string;
    const event = await publishContractCreated(testbed.settings, owner.organization.id);
    const [during] = await receiver.waitForRequests(1);
    expect(String(during!.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(verified(previous, during!).id).toBe(event.id);
    expect(verified(current, during!).id).toBe(event.id);
    expect(independentlyVerify(previous, during!)).toBe(true);
    expect(independentlyVerify(current, during!)).toBe(true);

    // 24 hours later (moved in the database): the previous secret no longer signs.
    await sql`
      update webhook_endpoints set previous_secret_expires_at = now() - interval '1 second'
      where id = ${id}
    `.execute(testbed.settings.db);
    const later = await publishContractCreated(testbed.settings, owner.organization.id);
    const [, after] = await receiver.waitForRequests(2);
    expect(String(after!.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    expect(verified(current, after!).id).toBe(later.id);
    expect(() => verified(previous, after!)).toThrow("No matching signature");
  });

  it("connects to the address it resolved and checked, sending the URL's host name", async () => {
    receiver = await startRecordingServer();
    const { id } = await createWebhook(testbed.settings, owner.identity, {
      url: `http://hooks.customer.test:${receiver.port}/in`,
      events: ["contract.created"],
    });
    const event = await publishContractCreated(testbed.settings, owner.organization.id);
    const [request] = await receiver.waitForRequests(1);
    expect(request!.headers.host).toBe(`hooks.customer.test:${receiver.port}`);
    await settled(id, event.id, "succeeded");
  });

  it("reads a large response only up to the cap and keeps a short excerpt", async () => {
    const { id } = await subscribe();
    receiver.respond(() => ({ status: 200, body: "y".repeat(2 * 1024 * 1024) }));
    const event = await publishContractCreated(testbed.settings, owner.organization.id);
    const delivery = await settled(id, event.id, "succeeded");
    expect(delivery.responseExcerpt).toBe("y".repeat(1_024));
  });

  it("lists deliveries newest first, paginated and filtered by status", async () => {
    const { id } = await subscribe();
    receiver.respond((request) =>
      JSON.parse(request.body).data.contract.title === "fails" ? { status: 400 } : { status: 200 },
    );
    const events = [
      contractCreated(owner.organization.id, "a"),
      contractCreated(owner.organization.id, "b"),
    ];
    for (const event of events) {
      await publishEvent(testbed.settings, event);
      await settled(id, event.id, "succeeded");
    }
    const list = (query: string) =>
      testbed.settings.request("GET", `/v1/settings/webhooks/${id}/deliveries?${query}`, {
        as: owner.identity,
      });
    const page = await list("take=1");
    expect(page.body.data.total).toBe(2);
    expect(page.body.data.deliveries.map((d: any) => d.eventId)).toEqual([events[1]!.id]);
    expect((await list("status=failed")).body.data).toEqual({ deliveries: [], total: 0 });
    expect((await list("status=succeeded")).body.data.total).toBe(2);
    expect((await list("take=101")).status).toBe(400);
    expect((await list("status=lost")).status).toBe(400);
  });
});
