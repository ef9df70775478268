import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  startRecordingServer,
  startRedisServer,
  type RecordingServer,
  type RedisServer,
} from "@clment/testing";
import type { SignedUp } from "./harness.js";
import {
  contractCreated,
  createWebhook,
  publishEvent,
  settledDelivery,
  startWebhookTestbed,
  verified,
  type WebhookTestbed,
} from "./webhook-support.js";

/**
 * Redis holds only the queue; Postgres holds every delivery and when it is due. A private
 * redis-server is killed and started again empty (it keeps nothing on disk): the jobs it held
 * are gone, and the deliveries still arrive.
 */
describe("webhook delivery across a Redis restart", () => {
  let redis: RedisServer;
  let testbed: WebhookTestbed;
  let owner: SignedUp;
  let receiver: RecordingServer;

  beforeAll(async () => {
    redis = await startRedisServer();
    testbed = await startWebhookTestbed({
      redisUrl: redis.url,
      webhooks: { retryDelaysMs: [2_000, 500, 500], sweepIntervalMs: 200 },
    });
    owner = await testbed.settings.signup();
    receiver = await startRecordingServer();
  });
  afterAll(async () => {
    await receiver?.close();
    await testbed?.close();
    await redis?.stop();
  });

  it("a retry that was waiting in Redis when it restarted empty is still made", async () => {
    const { id, secret } = await createWebhook(testbed.settings, owner.identity, {
      url: `${receiver.url}/hooks`,
      events: ["contract.created"],
    });
    receiver.respond((_, index) => (index === 0 ? { status: 500 } : { status: 200 }));
    const event = contractCreated(owner.organization.id);
    await publishEvent(testbed.settings, event, { redisUrl: redis.url });
    await receiver.waitForRequests(1);
    // The retry is a delayed job in Redis now (due in 2 s); Redis goes away and comes back empty.
    await redis.stop();
    await redis.start();

    const [first, retry] = await receiver.waitForRequests(2, undefined, { timeoutMs: 30_000 });
    expect(retry!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
    expect(verified(secret, retry!).id).toBe(event.id);
    const delivery = await settledDelivery(
      testbed.settings,
      owner.identity,
      id,
      event.id,
      "succeeded",
      { timeoutMs: 30_000 },
    );
    expect(delivery.attempts.map((a: any) => a.statusCode)).toEqual([500, 200]);
  });

  it("a test event requested while Redis is down is delivered once it is back", async () => {
    const { id, secret } = await createWebhook(testbed.settings, owner.identity, {
      url: `${receiver.url}/outage`,
      events: ["contract.created"],
    });
    await redis.stop();
    try {
      const sent = await testbed.settings.request("POST", `/v1/settings/webhooks/${id}/test`, {
        as: owner.identity,
      });
      expect(sent.status).toBe(202);
    } finally {
      await redis.start();
    }
    const [request] = await receiver.waitForRequests(1, (r) => r.path === "/outage", {
      timeoutMs: 30_000,
    });
    expect(verified(secret, request!).type).toBe("webhook.test");
  });
});
