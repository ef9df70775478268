import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  call,
  startRecordingServer,
  startSmtpServer,
  uniqueId,
  waitFor,
  type RecordingServer,
  type TestSmtpServer,
} from "@clment/testing";
import { verifyWebhook } from "@clment/webhooks";
import { overrideEnv, WEBHOOK_TEST_ENV } from "../src/env.js";
import {
  newApiKey,
  newMember,
  newOrganization,
  startTestRegion,
  type NewApiKey,
  type NewOrganization,
} from "../src/factories.js";
import type { RunningRegion } from "../src/region.js";

describe("webhooks and notifications, end to end through the gateway", () => {
  let smtp: TestSmtpServer;
  let region: RunningRegion;
  let acme: NewOrganization;
  let acmeKey: NewApiKey;
  let globex: NewOrganization;
  let acmeReceiver: RecordingServer;
  let globexReceiver: RecordingServer;
  let acmeSecret: string;
  let acmeWebhookId: string;
  let restoreEnv: (() => void) | undefined;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    // The settings service reads its webhook and email settings from the environment at start.
    restoreEnv = overrideEnv({ ...WEBHOOK_TEST_ENV, SMTP_URL: smtp.url });
    region = await startTestRegion("e2e_webhooks");
    acme = await newOrganization(region.url);
    acmeKey = await newApiKey(region.url, acme.owner.token);
    globex = await newOrganization(region.url);
    acmeReceiver = await startRecordingServer();
    globexReceiver = await startRecordingServer();

    const created = await call(region.url, "POST", "/v1/settings/webhooks", {
      token: acme.owner.token,
      body: {
        url: `${acmeReceiver.url}/clment`,
        events: ["contract.created", "contract.updated", "key_date.reminder"],
      },
    });
    expect(created.status).toBe(201);
    acmeSecret = created.body.data.secret;
    acmeWebhookId = created.body.data.webhook.id;
    const theirs = await call(region.url, "POST", "/v1/settings/webhooks", {
      token: globex.owner.token,
      body: { url: `${globexReceiver.url}/clment`, events: ["contract.created"] },
    });
    expect(theirs.status).toBe(201);
  });

  afterAll(async () => {
    await region?.close();
    await acmeReceiver?.close();
    await globexReceiver?.close();
    await smtp?.close();
    restoreEnv?.();
  });

  const received = (receiver: RecordingServer, type: string, match: (data: any) => boolean) =>
    receiver.waitForRequests(1, (r) => {
      const body = JSON.parse(r.body);
      return body.type === type && match(body.data);
    });

  it("webhook settings are for owners and admins: an API key gets 403 API_KEY_FORBIDDEN, a member 403 FORBIDDEN", async () => {
    const body = { url: `${acmeReceiver.url}/x`, events: ["contract.created"] };
    const asKey = await call(region.url, "POST", "/v1/settings/webhooks", {
      token: acmeKey.secret,
      body,
    });
    expect(asKey.status).toBe(403);
    expect(asKey.body.error.code).toBe("API_KEY_FORBIDDEN");
    const listAsKey = await call(region.url, "GET", "/v1/settings/webhooks", {
      token: acmeKey.secret,
    });
    expect(listAsKey.body.error.code).toBe("API_KEY_FORBIDDEN");
    const member = await newMember(region.url, acme.owner.token, "member");
    const asMember = await call(region.url, "GET", `/v1/settings/webhooks/${acmeWebhookId}`, {
      token: member.token,
    });
    expect(asMember.status).toBe(403);
    expect(asMember.body.error.code).toBe("FORBIDDEN");
    const shown = await call(region.url, "GET", `/v1/settings/webhooks/${acmeWebhookId}`, {
      token: acme.owner.token,
    });
    expect(shown.status).toBe(200);
    expect(shown.text).not.toContain(acmeSecret.slice("whsec_".length));
  });

  it("a contract created and updated with an API key reaches the organization's endpoint, signed, and no other organization's", async () => {
    const title = `MSA ${uniqueId()}`;
    const created = await call(region.url, "POST", "/v1/contracts", {
      token: acmeKey.secret,
      body: { title, counterparty: "Initech" },
    });
    expect(created.status).toBe(201);
    const contractId = created.body.data.contract.id;

    const [request] = await received(
      acmeReceiver,
      "contract.created",
      (d) => d.contract.id === contractId,
    );
    const { payload } = verifyWebhook<any>(acmeSecret, request!.headers, request!.body);
    expect(payload).toMatchObject({
      id: request!.headers["webhook-id"],
      type: "contract.created",
      createdAt: expect.any(String),
      data: { contract: { id: contractId, title, counterparty: "Initech" } },
    });

    const patched = await call(region.url, "PATCH", `/v1/contracts/${contractId}`, {
      token: acmeKey.secret,
      body: { status: "active" },
    });
    expect(patched.status).toBe(200);
    const [update] = await received(
      acmeReceiver,
      "contract.updated",
      (d) => d.contract.id === contractId,
    );
    expect(
      verifyWebhook<any>(acmeSecret, update!.headers, update!.body).payload.data.contract.status,
    ).toBe("active");

    const deliveries = await waitFor(async () => {
      const list = await call(
        region.url,
        "GET",
        `/v1/settings/webhooks/${acmeWebhookId}/deliveries`,
        {
          token: acme.owner.token,
        },
      );
      const done = list.body.data.deliveries.filter((d: any) => d.status === "succeeded");
      return done.length >= 2 ? done : undefined;
    });
    expect(deliveries[0]).toMatchObject({ attemptCount: 1, statusCode: 200 });
    expect(
      globexReceiver.requests.filter((r) => JSON.parse(r.body).data.contract?.id === contractId),
    ).toEqual([]);
  });

  it("redelivery through the gateway sends the same webhook-id again", async () => {
    const list = await call(
      region.url,
      "GET",
      `/v1/settings/webhooks/${acmeWebhookId}/deliveries?status=succeeded&take=1`,
      {
        token: acme.owner.token,
      },
    );
    const delivery = list.body.data.deliveries[0];
    const before = acmeReceiver.requests.filter(
      (r) => r.headers["webhook-id"] === delivery.eventId,
    );
    const redelivered = await call(
      region.url,
      "POST",
      `/v1/settings/webhooks/${acmeWebhookId}/deliveries/${delivery.id}/redeliver`,
      { token: acme.owner.token },
    );
    expect(redelivered.status).toBe(202);
    const again = await acmeReceiver.waitForRequests(
      before.length + 1,
      (r) => r.headers["webhook-id"] === delivery.eventId,
    );
    expect(again.at(-1)!.body).toBe(before[0]!.body);
  });

  it("a key date reminder from the contracts service reaches both the webhook and the recipient members' email", async () => {
    const contract = await call(region.url, "POST", "/v1/contracts", {
      token: acmeKey.secret,
      body: { title: `Lease ${uniqueId()}` },
    });
    const contractId = contract.body.data.contract.id;
    const today = new Date().toISOString().slice(0, 10);
    const keyDate = await call(region.url, "POST", `/v1/contracts/${contractId}/key-dates`, {
      token: acmeKey.secret,
      body: { kind: "renewal", date: today, title: `Renewal ${uniqueId()}` },
    });
    expect(keyDate.status).toBe(201);
    const keyDateId = keyDate.body.data.keyDate.id;
    // One day before a date that is today: due at once.
    const reminder = await call(region.url, "POST", `/v1/key-dates/${keyDateId}/reminders`, {
      token: acmeKey.secret,
      body: { daysBefore: 1, channels: ["webhook", "email"], recipients: [acme.owner.email] },
    });
    expect(reminder.status).toBe(201);

    const [request] = await received(
      acmeReceiver,
      "key_date.reminder",
      (d) => d.keyDate.id === keyDateId,
    );
    const { payload } = verifyWebhook<any>(acmeSecret, request!.headers, request!.body);
    expect(payload.data).toMatchObject({
      reminder: { id: reminder.body.data.reminder.id, channels: ["webhook", "email"] },
      contract: { id: contractId },
    });
    const mail = await smtp.waitForMessage((m) =>
      m.subject.includes(keyDate.body.data.keyDate.title),
    );
    expect(mail.to).toEqual([acme.owner.email]);
    expect(mail.text).toContain(contract.body.data.contract.title);
  });
});
