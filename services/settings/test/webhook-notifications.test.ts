import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { startRecordingServer, waitFor, type RecordingServer } from "@clment/testing";
import type { SignedUp } from "./harness.js";
import {
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

function reminder(
  organizationId: string,
  options: { channels: string[]; recipients?: string[]; title?: string },
) {
  return envelope("key_date.reminder", organizationId, {
    reminder: {
      id: randomUUID(),
      daysBefore: 30,
      channels: options.channels,
      recipients: options.recipients ?? [],
      fireAt: new Date().toISOString(),
    },
    keyDate: {
      id: randomUUID(),
      kind: "renewal",
      date: "2027-01-31",
      title: options.title ?? "Renewal of the Acme MSA",
      description: "Decide whether to renew.",
    },
    contract: { id: randomUUID(), title: "Acme MSA" },
  });
}

describe("notifications: disabled endpoints, reminders and credits", () => {
  let testbed: WebhookTestbed;
  let owner: SignedUp;
  let adminEmail: string;
  let memberEmail: string;
  let receiver: RecordingServer;

  beforeAll(async () => {
    // Failing continuously for 1.5 s stands for the 5 days of production.
    testbed = await startWebhookTestbed({
      webhooks: { retryDelaysMs: Array<number>(20).fill(300), disableAfterMs: 1_500 },
    });
  });
  beforeEach(async () => {
    owner = await testbed.settings.signup();
    adminEmail = (await testbed.settings.addMember(owner.identity, "admin")).email;
    memberEmail = (await testbed.settings.addMember(owner.identity, "member")).email;
    receiver = await startRecordingServer();
  });
  afterEach(async () => {
    await receiver?.close();
  });
  afterAll(async () => {
    await testbed?.close();
  });

  const ownerEmail = () => owner.user.email.toLowerCase();
  const webhookOf = async (id: string) =>
    (await testbed.settings.request("GET", `/v1/settings/webhooks/${id}`, { as: owner.identity }))
      .body.data.webhook;

  it("a 410 Gone disables the endpoint at once, emails its admins, and stops its deliveries", async () => {
    const { id } = await createWebhook(testbed.settings, owner.identity, {
      url: `${receiver.url}/gone`,
      events: ["contract.created"],
      description: "Old CRM",
    });
    receiver.respond(() => ({ status: 410, body: "gone" }));
    const event = await publishContractCreated(testbed.settings, owner.organization.id);

    const delivery = await settledDelivery(
      testbed.settings,
      owner.identity,
      id,
      event.id,
      "failed",
    );
    expect(delivery).toMatchObject({ attemptCount: 1, statusCode: 410, nextAttemptAt: null });
    expect(await webhookOf(id)).toMatchObject({ enabled: false, disabledReason: "gone" });

    const mail = await testbed.smtp.waitForMessage((m) =>
      m.subject.includes(`${receiver.url}/gone`),
    );
    expect(mail.to.sort()).toEqual([adminEmail, ownerEmail()].sort());
    expect(mail.to).not.toContain(memberEmail);
    expect(mail.text).toContain("410 Gone");

    await publishContractCreated(testbed.settings, owner.organization.id);
    await pause(700);
    expect(receiver.requests).toHaveLength(1);
    expect(
      (await deliveriesOf(testbed.settings, owner.identity, id)).map((d) => d.eventId),
    ).toEqual([event.id]);
    const log = await testbed.settings.request("GET", "/v1/settings/audit-log", {
      as: owner.identity,
    });
    expect(log.body.data.entries[0]).toMatchObject({
      action: "webhook.disabled",
      actor: { type: "system" },
      target: { type: "webhook", id },
    });
  });

  it("an endpoint failing continuously past the limit is disabled and its admins are emailed", async () => {
    const { id } = await createWebhook(testbed.settings, owner.identity, {
      url: `${receiver.url}/broken`,
      events: ["contract.created"],
    });
    receiver.respond(() => ({ status: 500 }));
    const event = await publishContractCreated(testbed.settings, owner.organization.id);

    const webhook = await waitFor(async () => {
      const current = await webhookOf(id);
      return current.enabled ? undefined : current;
    });
    expect(webhook).toMatchObject({ disabledReason: "failing", failingSince: expect.any(String) });
    const attempts = receiver.requests.length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    const mail = await testbed.smtp.waitForMessage((m) =>
      m.subject.includes(`${receiver.url}/broken`),
    );
    expect(mail.to.sort()).toEqual([adminEmail, ownerEmail()].sort());
    expect(mail.text).toContain("has failed since");
    await pause(700);
    expect(receiver.requests).toHaveLength(attempts); // no attempt after the endpoint was disabled
    const delivery = await settledDelivery(
      testbed.settings,
      owner.identity,
      id,
      event.id,
      "failed",
    );
    expect(delivery.nextAttemptAt).toBeNull();
  });

  it("a success ends the failure streak: an endpoint that recovers stays enabled", async () => {
    const { id } = await createWebhook(testbed.settings, owner.identity, {
      url: `${receiver.url}/flaky`,
      events: ["contract.created"],
    });
    receiver.respond((_, index) => (index < 2 ? { status: 500 } : { status: 200 }));
    const event = await publishContractCreated(testbed.settings, owner.organization.id);
    await settledDelivery(testbed.settings, owner.identity, id, event.id, "succeeded");
    expect(await webhookOf(id)).toMatchObject({ enabled: true, failingSince: null });
  });

  it("a reminder with both channels reaches the webhook and the reminder's recipients by email", async () => {
    const { id, secret } = await createWebhook(testbed.settings, owner.identity, {
      url: `${receiver.url}/reminders`,
      events: ["key_date.reminder"],
    });
    const event = reminder(owner.organization.id, {
      channels: ["webhook", "email"],
      recipients: [memberEmail.toUpperCase(), adminEmail],
      title: `Renewal ${randomUUID()}`,
    });
    await publishEvent(testbed.settings, event);

    const [request] = await receiver.waitForRequests(1);
    expect(verified(secret, request!)).toMatchObject({
      id: event.id,
      type: "key_date.reminder",
      data: { keyDate: { title: event.data.keyDate.title } },
    });
    const mail = await testbed.smtp.waitForMessage((m) =>
      m.subject.includes(event.data.keyDate.title),
    );
    expect(mail.to.sort()).toEqual([adminEmail, memberEmail].sort());
    expect(mail.from).toBe("notifications@clment.test");
    expect(mail.subject).toBe(`Reminder: ${event.data.keyDate.title} on 2027-01-31 (Acme MSA)`);
    expect(mail.text).toContain("in 30 days");
    await settledDelivery(testbed.settings, owner.identity, id, event.id, "succeeded");
  });

  it("a reminder by email only, without recipients, goes to the organization's admins and not to webhooks", async () => {
    const { id } = await createWebhook(testbed.settings, owner.identity, {
      url: `${receiver.url}/reminders`,
      events: ["key_date.reminder"],
    });
    const event = reminder(owner.organization.id, {
      channels: ["email"],
      title: `Notice ${randomUUID()}`,
    });
    await publishEvent(testbed.settings, event);
    const mail = await testbed.smtp.waitForMessage((m) =>
      m.subject.includes(event.data.keyDate.title),
    );
    expect(mail.to.sort()).toEqual([adminEmail, ownerEmail()].sort());
    await pause(500);
    expect(receiver.requests).toHaveLength(0);
    expect(await deliveriesOf(testbed.settings, owner.identity, id)).toEqual([]);
  });

  it("emails a reminder only to recipients who are members, else to the admins: never to strangers", async () => {
    const mixed = reminder(owner.organization.id, {
      channels: ["email"],
      recipients: ["stranger@elsewhere.test", memberEmail],
      title: `Mixed ${randomUUID()}`,
    });
    const strangers = reminder(owner.organization.id, {
      channels: ["email"],
      recipients: ["victim@elsewhere.test"],
      title: `Strangers ${randomUUID()}`,
    });
    await publishEvent(testbed.settings, mixed);
    await publishEvent(testbed.settings, strangers);
    const toMixed = await testbed.smtp.waitForMessage((m) =>
      m.subject.includes(mixed.data.keyDate.title),
    );
    expect(toMixed.to).toEqual([memberEmail]);
    const toStrangers = await testbed.smtp.waitForMessage((m) =>
      m.subject.includes(strangers.data.keyDate.title),
    );
    expect(toStrangers.to.sort()).toEqual([adminEmail, ownerEmail()].sort());
  });

  it("a reminder by webhook only sends no email", async () => {
    await createWebhook(testbed.settings, owner.identity, {
      url: `${receiver.url}/reminders`,
      events: ["key_date.reminder"],
    });
    const event = reminder(owner.organization.id, {
      channels: ["webhook"],
      recipients: ["someone@customer.test"],
      title: `Webhook only ${randomUUID()}`,
    });
    await publishEvent(testbed.settings, event);
    await receiver.waitForRequests(1);
    await pause(500);
    expect(
      testbed.smtp.messages.filter((m) => m.subject.includes(event.data.keyDate.title)),
    ).toEqual([]);
  });

  it("credits.low and credits.exhausted email the admins and reach subscribed endpoints", async () => {
    const { secret } = await createWebhook(testbed.settings, owner.identity, {
      url: `${receiver.url}/credits`,
      events: ["credits.low", "credits.exhausted"],
    });
    await publishEvent(
      testbed.settings,
      envelope("credits.low", owner.organization.id, creditsBalance(7)),
    );
    await publishEvent(
      testbed.settings,
      envelope("credits.exhausted", owner.organization.id, creditsBalance(0)),
    );
    const forOwner = (subject: string) => (m: { to: string[]; subject: string }) =>
      m.subject === subject && m.to.includes(ownerEmail());
    const low = await testbed.smtp.waitForMessage(forOwner("Your Clment credits are running low"));
    expect(low.to.sort()).toEqual([adminEmail, ownerEmail()].sort());
    expect(low.text).toContain("7 credits are left");
    const exhausted = await testbed.smtp.waitForMessage(
      forOwner("Your Clment credits are used up"),
    );
    expect(exhausted.to).not.toContain(memberEmail);
    const requests = await receiver.waitForRequests(2);
    expect(requests.map((r) => verified(secret, r).type).sort()).toEqual([
      "credits.exhausted",
      "credits.low",
    ]);
  });

  it("an event that arrives twice sends its email once", async () => {
    const event = reminder(owner.organization.id, {
      channels: ["email"],
      recipients: ["once@customer.test"],
      title: `Once ${randomUUID()}`,
    });
    await publishEvent(testbed.settings, event);
    await testbed.smtp.waitForMessage((m) => m.subject.includes(event.data.keyDate.title));
    await publishEvent(testbed.settings, event, { jobId: `${event.id}-again` });
    await pause(700);
    expect(
      testbed.smtp.messages.filter((m) => m.subject.includes(event.data.keyDate.title)),
    ).toHaveLength(1);
  });
});
