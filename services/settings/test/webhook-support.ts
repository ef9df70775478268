import { randomUUID } from "node:crypto";
import { lookup } from "node:dns/promises";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type { Identity } from "@clment/auth";
import {
  consumerQueueName,
  EVENT_JOB_OPTIONS,
  queueSettings,
  type EventEnvelope,
  type EventMap,
  type EventType,
} from "@clment/queue";
import {
  startSmtpServer,
  waitFor,
  type RecordedRequest,
  type TestSmtpServer,
} from "@clment/testing";
import { verifyWebhook } from "@clment/webhooks";
import type { ResolvedAddress, Resolver } from "../src/clients/webhook.http.js";
import { loadSettingsConfig, type SettingsConfig, type WebhookConfig } from "../src/config.js";
import { createSettingsService } from "../src/service.js";
import { REGION, SettingsHarness } from "./harness.js";

/** Webhook settings for tests: local receivers allowed, a schedule of fractions of seconds. */
export function testWebhookConfig(
  overrides: Partial<WebhookConfig> = {},
  email: Partial<SettingsConfig["email"]> = {},
): SettingsConfig {
  const defaults = loadSettingsConfig({});
  return {
    webhooks: {
      ...defaults.webhooks,
      allowHttp: true,
      allowPrivateNetworks: true,
      timeoutMs: 2_000,
      retryDelaysMs: [300, 600, 1_200],
      sweepIntervalMs: 250,
      concurrency: 8,
      ...overrides,
    },
    email: { ...defaults.email, from: "Clment <notifications@clment.test>", ...email },
  };
}

export interface WebhookTestbed {
  settings: SettingsHarness;
  smtp: TestSmtpServer;
  close(): Promise<void>;
}

/** The settings service with test webhook settings, and an SMTP server its emails go to. */
export async function startWebhookTestbed(
  options: {
    webhooks?: Partial<WebhookConfig>;
    resolver?: Resolver;
    redisUrl?: string;
  } = {},
): Promise<WebhookTestbed> {
  const smtp = await startSmtpServer();
  try {
    const definition = createSettingsService({
      config: testWebhookConfig(options.webhooks, { smtpUrl: smtp.url }),
      resolver: options.resolver,
    });
    const settings = await SettingsHarness.start({ definition, redisUrl: options.redisUrl });
    return {
      settings,
      smtp,
      async close() {
        await settings.close();
        await smtp.close();
      },
    };
  } catch (error) {
    await smtp.close();
    throw error;
  }
}

/** An event as another service's outbox relay would hand it to the settings consumer. */
export function envelope<T extends EventType>(
  type: T,
  organizationId: string,
  data: EventMap[T],
): EventEnvelope<T> {
  return {
    id: randomUUID(),
    type,
    organizationId,
    region: REGION,
    createdAt: new Date().toISOString(),
    data,
  };
}

/**
 * Puts an event on the settings service's event queue, exactly as the outbox relay of the
 * service that emitted it does (job id = event id). Another `jobId` makes BullMQ take the same
 * event twice, as when it was queued again after its first job was removed.
 */
export async function publishEvent(
  settings: SettingsHarness,
  event: EventEnvelope,
  options: { redisUrl?: string; jobId?: string } = {},
): Promise<void> {
  const connection = new Redis(options.redisUrl ?? settings.service.context.config.REDIS_URL, {
    maxRetriesPerRequest: null,
  });
  const queue = new Queue(consumerQueueName("settings"), {
    connection,
    prefix: queueSettings(settings.redisPrefix).bullPrefix,
  });
  try {
    await queue.add(event.type, event, { ...EVENT_JOB_OPTIONS, jobId: options.jobId ?? event.id });
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Waits until the settings consumer has finished these event jobs (by job id). */
export async function eventJobsDone(settings: SettingsHarness, jobIds: string[]): Promise<void> {
  const connection = new Redis(settings.service.context.config.REDIS_URL, {
    maxRetriesPerRequest: null,
  });
  const queue = new Queue(consumerQueueName("settings"), {
    connection,
    prefix: queueSettings(settings.redisPrefix).bullPrefix,
  });
  try {
    await waitFor(
      async () => {
        const states = await Promise.all(
          jobIds.map(async (id) => (await queue.getJob(id))?.getState()),
        );
        return states.every((state) => state === "completed") ? true : undefined;
      },
      { message: `event jobs ${jobIds.join(", ")} completed` },
    );
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

export function contractCreated(organizationId: string, title = "Master Services Agreement") {
  const now = new Date().toISOString();
  return envelope("contract.created", organizationId, {
    contract: {
      id: randomUUID(),
      title,
      status: "draft",
      counterparty: "Acme",
      value: null,
      effectiveDate: null,
      endDate: null,
      tags: [],
      metadata: {},
      document: null,
      createdAt: now,
      updatedAt: now,
    },
  });
}

/** Publishes a contract.created event of the organization, as the contracts outbox would. */
export async function publishContractCreated(
  settings: SettingsHarness,
  organizationId: string,
  title?: string,
): Promise<EventEnvelope<"contract.created">> {
  const event = contractCreated(organizationId, title);
  await publishEvent(settings, event);
  return event;
}

/** The data of a credits.low or credits.exhausted event: `total` credits left. */
export function creditsBalance(total: number): EventMap["credits.low"] {
  return {
    balance: { total, allowance: total, packs: 0 },
    plan: "starter",
    monthlyAllowance: 100,
    period: { start: "2026-12-01", end: "2026-12-31" },
  };
}

export async function createWebhook(
  settings: SettingsHarness,
  owner: Identity,
  body: { url: string; events: string[]; description?: string },
): Promise<{ id: string; secret: string; webhook: any }> {
  const response = await settings.request("POST", "/v1/settings/webhooks", { as: owner, body });
  if (response.status !== 201) throw new Error(`webhook creation failed: ${response.text}`);
  const { webhook, secret } = response.body.data;
  return { id: webhook.id, secret, webhook };
}

/** The deliveries of a webhook, newest first. */
export async function deliveriesOf(
  settings: SettingsHarness,
  owner: Identity,
  webhookId: string,
): Promise<any[]> {
  const response = await settings.request("GET", `/v1/settings/webhooks/${webhookId}/deliveries`, {
    as: owner,
  });
  if (response.status !== 200) throw new Error(`deliveries failed: ${response.text}`);
  return response.body.data.deliveries;
}

/** Waits for a webhook's delivery of `eventId` to reach `status`; returns it with its attempts. */
export async function settledDelivery(
  settings: SettingsHarness,
  owner: Identity,
  webhookId: string,
  eventId: string,
  status: "succeeded" | "failed" | "pending",
  options: { minAttempts?: number; timeoutMs?: number } = {},
): Promise<any> {
  const summary = await waitFor(
    async () =>
      (await deliveriesOf(settings, owner, webhookId)).find(
        (d) =>
          d.eventId === eventId &&
          d.status === status &&
          d.attemptCount >= (options.minAttempts ?? 1),
      ),
    { timeoutMs: options.timeoutMs ?? 20_000, message: `delivery of ${eventId} ${status}` },
  );
  const response = await settings.request(
    "GET",
    `/v1/settings/webhooks/${webhookId}/deliveries/${summary.id}`,
    { as: owner },
  );
  return response.body.data.delivery;
}

/** Checks a received webhook with the package's verifier; returns the parsed body. */
export function verified(secret: string, request: RecordedRequest): any {
  return verifyWebhook(secret, request.headers, request.body).payload;
}

/** Lets a little time pass, to show that something does NOT happen. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A public address the hostile resolver answers for the names meant to be allowed. */
const PUBLIC_ADDRESS: ResolvedAddress = { address: "93.184.216.34", family: 4 };

/**
 * What a DNS server run by whoever configures a webhook URL or an SSO issuer could answer, for
 * test names under `customer.test` (any other name is looked up for real).
 * `rebind.customer.test` answers a public address the first time and loopback afterwards, as a
 * DNS rebinding attacker's would; `asked` counts the lookups per name.
 */
export function hostileResolver(): Resolver & { asked: Map<string, number> } {
  const asked = new Map<string, number>();
  const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
    const seen = asked.get(hostname) ?? 0;
    asked.set(hostname, seen + 1);
    switch (hostname) {
      case "public.customer.test":
        return [PUBLIC_ADDRESS];
      case "rebind.customer.test":
        return seen === 0 ? [PUBLIC_ADDRESS] : [{ address: "127.0.0.1", family: 4 }];
      case "internal.customer.test":
        return [{ address: "10.0.3.7", family: 4 }];
      case "metadata.customer.test":
        return [{ address: "169.254.169.254", family: 4 }];
      case "mixed.customer.test":
        return [PUBLIC_ADDRESS, { address: "192.168.1.20", family: 4 }];
      case "loopback.customer.test":
        return [{ address: "127.0.0.1", family: 4 }];
      case "v6-internal.customer.test":
        return [{ address: "fd12:3456::1", family: 6 }];
      case "nowhere.customer.test":
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
      default:
        return lookup(hostname, { all: true });
    }
  };
  return Object.assign(resolve, { asked });
}
