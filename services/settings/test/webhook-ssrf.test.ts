import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { SignedUp } from "./harness.js";
import {
  contractCreated,
  hostileResolver,
  createWebhook,
  publishEvent,
  settledDelivery,
  startWebhookTestbed,
  type WebhookTestbed,
} from "./webhook-support.js";

/**
 * The production policy (https only, no private networks), with a resolver the test controls:
 * `rebind.customer.test` answers a public address the first time and loopback afterwards, as a
 * DNS rebinding attacker's server would.
 */
describe("webhook SSRF guard (production policy)", () => {
  let testbed: WebhookTestbed;
  let owner: SignedUp;
  let listener: Server;
  let connections = 0;
  const resolver = hostileResolver();

  beforeAll(async () => {
    testbed = await startWebhookTestbed({
      resolver,
      webhooks: { allowHttp: false, allowPrivateNetworks: false },
    });
    owner = await testbed.settings.signup();
    // Counts every TCP connection to a local port, to show that none is even attempted.
    listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    listener.listen(0, "127.0.0.1");
    await once(listener, "listening");
  });
  afterAll(async () => {
    listener?.close();
    await testbed?.close();
  });

  const create = (url: string) =>
    testbed.settings.request("POST", "/v1/settings/webhooks", {
      as: owner.identity,
      body: { url, events: ["contract.created"] },
    });

  it("refuses http:// when the region allows only https://", async () => {
    const response = await create("http://public.customer.test/hooks");
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([
      { path: "body.url", message: "must be an https:// URL" },
    ]);
  });

  it.each([
    ["loopback", "https://127.0.0.1/hooks"],
    ["loopback by name", "https://localhost/hooks"],
    ["IPv6 loopback", "https://[::1]/hooks"],
    ["IPv4-mapped IPv6 loopback", "https://[::ffff:127.0.0.1]/hooks"],
    ["private 10/8", "https://10.1.2.3/hooks"],
    ["private 172.16/12", "https://172.20.0.1/hooks"],
    ["private 192.168/16", "https://192.168.0.10/hooks"],
    ["carrier-grade NAT", "https://100.64.1.1/hooks"],
    ["cloud metadata", "https://169.254.169.254/latest/meta-data/"],
    ["this network", "https://0.0.0.0/hooks"],
    ["unique-local IPv6", "https://[fd00::1]/hooks"],
    ["link-local IPv6", "https://[fe80::1]/hooks"],
    ["a name that resolves to a private address", "https://internal.customer.test/hooks"],
    ["a name that resolves to the metadata address", "https://metadata.customer.test/"],
    ["a name with one private answer among public ones", "https://mixed.customer.test/"],
    ["a name that resolves to unique-local IPv6", "https://v6-internal.customer.test/"],
    ["a name that does not resolve", "https://nowhere.customer.test/hooks"],
  ])("refuses %s at creation", async (_, url) => {
    const response = await create(url);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("VALIDATION_ERROR");
    expect(response.body.error.details[0].path).toBe("body.url");
  });

  it("refuses a private URL on update too", async () => {
    const { id } = await createWebhook(testbed.settings, owner.identity, {
      url: "https://public.customer.test/hooks",
      events: ["contract.created"],
    });
    const response = await testbed.settings.request("PATCH", `/v1/settings/webhooks/${id}`, {
      as: owner.identity,
      body: { url: "https://10.0.0.1/hooks" },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe("body.url");
  });

  it("checks again at delivery: a host that now resolves to loopback (rebinding) gets no connection", async () => {
    const { port } = listener.address() as { port: number };
    const { id } = await createWebhook(testbed.settings, owner.identity, {
      url: `https://rebind.customer.test:${port}/hooks`,
      events: ["contract.created"],
    });
    const event = contractCreated(owner.organization.id);
    await publishEvent(testbed.settings, event);
    const delivery = await settledDelivery(
      testbed.settings,
      owner.identity,
      id,
      event.id,
      "pending",
    );
    expect(delivery.statusCode).toBeNull();
    expect(delivery.error).toBe("refused: resolves to a non-public address (loopback)");
    expect(resolver.asked.get("rebind.customer.test")).toBeGreaterThanOrEqual(2);
    expect(connections).toBe(0);
  });
});
