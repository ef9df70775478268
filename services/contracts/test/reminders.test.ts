import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { waitFor } from "@clment/testing";
import { reminderFireAt } from "../src/domain/reminder.schedule.js";
import { ContractsHarness, type TestOrg } from "./harness.js";

/**
 * The service's clock is this test's: reminders fire on dates years ahead, so the clock is set
 * a few seconds before their time and BullMQ's real delay does the rest.
 */
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);
function setClockBefore(fireAt: Date, ms: number): void {
  offsetMs = fireAt.getTime() - ms - Date.now();
}

let harness: ContractsHarness;

beforeAll(async () => {
  harness = await ContractsHarness.start({ clock });
});

afterAll(async () => {
  await harness?.close();
});

async function keyDateOf(org: TestOrg, date: string) {
  const contract = await harness.createContract(org, { title: `Contract due ${date}` });
  const response = await harness.call(org, "POST", `/v1/contracts/${contract.id}/key-dates`, {
    body: { kind: "renewal", date, title: "Renewal" },
  });
  expect(response.status).toBe(201);
  return { contract, keyDate: response.body.data.keyDate as { id: string; date: string } };
}

async function addReminder(org: TestOrg, keyDateId: string, daysBefore: number) {
  const response = await harness.call(org, "POST", `/v1/key-dates/${keyDateId}/reminders`, {
    body: { daysBefore, channels: ["webhook", "email"], recipients: ["legal@example.com"] },
  });
  expect(response.status).toBe(201);
  return response.body.data.reminder as { id: string; fireAt: string; status: string };
}

async function reminderEvents(reminderId: string) {
  const events = await harness.events("key_date.reminder");
  return events.filter((e) => e.payload.reminder.id === reminderId);
}

async function reminder(org: TestOrg, id: string) {
  return (await harness.call(org, "GET", `/v1/reminders/${id}`)).body.data.reminder;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("reminders", () => {
  it("computes fireAt as daysBefore the date at 09:00 in the organization's timezone", () => {
    expect(reminderFireAt("2030-07-10", 3, "UTC").toISOString()).toBe("2030-07-07T09:00:00.000Z");
    expect(reminderFireAt("2030-07-10", 3, "America/New_York").toISOString()).toBe(
      "2030-07-07T13:00:00.000Z",
    );
    expect(reminderFireAt("2030-01-10", 0, "America/New_York").toISOString()).toBe(
      "2030-01-10T14:00:00.000Z",
    );
    // The day clocks go forward in Berlin, and a half-hour zone.
    expect(reminderFireAt("2026-03-30", 1, "Europe/Berlin").toISOString()).toBe(
      "2026-03-29T07:00:00.000Z",
    );
    expect(reminderFireAt("2026-01-10", 3, "Asia/Kolkata").toISOString()).toBe(
      "2026-01-07T03:30:00.000Z",
    );
  });

  it("creates a reminder with fireAt in the organization's timezone, learnt from settings' events", async () => {
    const org = harness.newOrg();
    await harness.publishSettingsEvent("organization.updated", org.id, {
      organization: { id: org.id, name: "Acme", timezone: "America/New_York" },
    });
    await waitFor(
      async () =>
        (
          await harness.db
            .selectFrom("organizations")
            .select("timezone")
            .where("id", "=", org.id)
            .executeTakeFirst()
        )?.timezone === "America/New_York",
      { timeoutMs: 15_000, message: "the organization's timezone" },
    );
    const { keyDate } = await keyDateOf(org, "2031-07-10");
    const created = await addReminder(org, keyDate.id, 3);
    expect(created).toMatchObject({
      keyDateId: keyDate.id,
      daysBefore: 3,
      channels: ["webhook", "email"],
      recipients: ["legal@example.com"],
      fireAt: "2031-07-07T13:00:00.000Z",
      status: "scheduled",
      sentAt: null,
    });
  });

  it("moves scheduled reminders when the organization's timezone changes", async () => {
    const org = harness.newOrg();
    const { keyDate } = await keyDateOf(org, "2031-03-10");
    const created = await addReminder(org, keyDate.id, 0);
    expect(created.fireAt).toBe("2031-03-10T09:00:00.000Z");
    await harness.publishSettingsEvent("organization.updated", org.id, {
      organization: { id: org.id, name: "Tokyo KK", timezone: "Asia/Tokyo" },
    });
    await waitFor(
      async () => (await reminder(org, created.id)).fireAt === "2031-03-10T00:00:00.000Z",
      {
        timeoutMs: 15_000,
        message: "the reminder to follow the timezone",
      },
    );
  });

  it("rejects bad reminders with 400", async () => {
    const org = harness.newOrg();
    const { keyDate } = await keyDateOf(org, "2031-01-01");
    for (const body of [
      { daysBefore: -1, channels: ["email"] },
      { daysBefore: 1.5, channels: ["email"] },
      { daysBefore: 1, channels: [] },
      { daysBefore: 1, channels: ["sms"] },
      { daysBefore: 1, channels: ["email"], recipients: ["not-an-email"] },
    ]) {
      const response = await harness.call(org, "POST", `/v1/key-dates/${keyDate.id}/reminders`, {
        body,
      });
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
    }
  });

  it("fires once when its time comes: status sent and one key_date.reminder event", async () => {
    const org = harness.newOrg();
    const { contract, keyDate } = await keyDateOf(org, "2032-05-20");
    setClockBefore(reminderFireAt("2032-05-20", 1, "UTC"), 1_500);
    const created = await addReminder(org, keyDate.id, 1);
    expect(created.fireAt).toBe("2032-05-19T09:00:00.000Z");
    const sent = await waitFor(
      async () => {
        const current = await reminder(org, created.id);
        return current.status === "sent" ? current : undefined;
      },
      { timeoutMs: 20_000, message: "the reminder to fire" },
    );
    expect(sent.sentAt).not.toBeNull();
    await pause(1_000);
    const events = await reminderEvents(created.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      organization_id: org.id,
      payload: {
        reminder: { id: created.id, daysBefore: 1, channels: ["webhook", "email"] },
        keyDate: { id: keyDate.id, date: "2032-05-20", kind: "renewal" },
        contract: { id: contract.id },
      },
    });
    const listed = await harness.call(org, "GET", "/v1/reminders?status=sent");
    expect(listed.body.data.reminders.map((r: { id: string }) => r.id)).toEqual([created.id]);
    const cancelSent = await harness.call(org, "DELETE", `/v1/reminders/${created.id}`);
    expect(cancelSent.status).toBe(409);
  });

  it("fires exactly once with two workers racing for it", async () => {
    const second = await harness.startInstance();
    try {
      const org = harness.newOrg();
      const { keyDate } = await keyDateOf(org, "2033-01-10");
      setClockBefore(reminderFireAt("2033-01-10", 0, "UTC"), 1_500);
      const created = await addReminder(org, keyDate.id, 0);
      // Besides the queued job, both instances try to fire it directly, several times at once.
      offsetMs += 2_000;
      const outcomes = await Promise.all(
        [harness.instances[0]!, second, harness.instances[0]!, second].map((instance) =>
          harness.servicesOf(instance).reminders.fire(org.id, created.id),
        ),
      );
      await waitFor(async () => (await reminder(org, created.id)).status === "sent", {
        timeoutMs: 20_000,
        message: "the reminder to fire",
      });
      await pause(2_500);
      expect(outcomes.filter((o) => o.outcome === "sent").length).toBeLessThanOrEqual(1);
      expect(await reminderEvents(created.id)).toHaveLength(1);
    } finally {
      await harness.stopInstance(second);
    }
  });

  it("still fires once after the worker restarts before its time", async () => {
    const org = harness.newOrg();
    const { keyDate } = await keyDateOf(org, "2033-06-01");
    setClockBefore(reminderFireAt("2033-06-01", 2, "UTC"), 3_000);
    const created = await addReminder(org, keyDate.id, 2);
    // The only instance stops (its job stays in Redis) and a new one takes over.
    const replacement = await harness.startInstance();
    await harness.stopInstance(harness.instances[0]!);
    expect(harness.instances).toEqual([replacement]);
    await waitFor(async () => (await reminder(org, created.id)).status === "sent", {
      timeoutMs: 20_000,
      message: "the reminder to fire after a restart",
    });
    await pause(1_000);
    expect(await reminderEvents(created.id)).toHaveLength(1);
  });

  it("moves with its key date: not at the old time, at the new one", async () => {
    const org = harness.newOrg();
    const { keyDate } = await keyDateOf(org, "2034-02-10");
    setClockBefore(reminderFireAt("2034-02-10", 1, "UTC"), 1_500);
    const created = await addReminder(org, keyDate.id, 1);
    const moved = await harness.call(org, "PATCH", `/v1/key-dates/${keyDate.id}`, {
      body: { date: "2034-02-20" },
    });
    expect(moved.status).toBe(200);
    const after = await reminder(org, created.id);
    expect(after.fireAt).toBe("2034-02-19T09:00:00.000Z");
    // The old time passes without it firing.
    await pause(3_000);
    expect((await reminder(org, created.id)).status).toBe("scheduled");
    expect(await reminderEvents(created.id)).toHaveLength(0);

    // Moved again to a date whose time is seconds away: it fires then.
    setClockBefore(reminderFireAt("2034-03-01", 1, "UTC"), 1_500);
    await harness.call(org, "PATCH", `/v1/key-dates/${keyDate.id}`, {
      body: { date: "2034-03-01" },
    });
    await waitFor(async () => (await reminder(org, created.id)).status === "sent", {
      timeoutMs: 20_000,
      message: "the moved reminder to fire",
    });
    const events = await reminderEvents(created.id);
    expect(events).toHaveLength(1);
    expect(events[0]!.payload.reminder.fireAt).toBe("2034-02-28T09:00:00.000Z");
    expect(events[0]!.payload.keyDate.date).toBe("2034-03-01");
  });

  it("is cancelled when its key date is deleted, and never fires", async () => {
    const org = harness.newOrg();
    const { keyDate } = await keyDateOf(org, "2035-04-01");
    setClockBefore(reminderFireAt("2035-04-01", 0, "UTC"), 1_500);
    const created = await addReminder(org, keyDate.id, 0);
    const deleted = await harness.call(org, "DELETE", `/v1/key-dates/${keyDate.id}`);
    expect(deleted.status).toBe(200);
    const cancelled = await reminder(org, created.id);
    expect(cancelled).toMatchObject({ status: "cancelled", keyDateId: null });
    expect(cancelled.cancelledAt).not.toBeNull();
    await pause(3_000);
    expect((await reminder(org, created.id)).status).toBe("cancelled");
    expect(await reminderEvents(created.id)).toHaveLength(0);
    const listed = await harness.call(org, "GET", "/v1/reminders?status=cancelled");
    expect(listed.body.data.reminders.map((r: { id: string }) => r.id)).toContain(created.id);
  });

  it("is cancelled with DELETE /v1/reminders/:id (twice is fine), and never fires", async () => {
    const org = harness.newOrg();
    const { keyDate } = await keyDateOf(org, "2035-09-01");
    setClockBefore(reminderFireAt("2035-09-01", 0, "UTC"), 1_500);
    const created = await addReminder(org, keyDate.id, 0);
    const first = await harness.call(org, "DELETE", `/v1/reminders/${created.id}`);
    expect(first.status).toBe(200);
    expect(first.body.data.reminder.status).toBe("cancelled");
    const again = await harness.call(org, "DELETE", `/v1/reminders/${created.id}`);
    expect(again.status).toBe(200);
    await pause(3_000);
    expect(await reminderEvents(created.id)).toHaveLength(0);
    const scheduled = await harness.call(org, "GET", "/v1/reminders?status=scheduled");
    expect(scheduled.body.data.total).toBe(0);
    const bad = await harness.call(org, "GET", "/v1/reminders?status=pending");
    expect(bad.status).toBe(400);
  });

  it("cancels the reminders of a deleted contract", async () => {
    const org = harness.newOrg();
    const { contract, keyDate } = await keyDateOf(org, "2036-01-01");
    const created = await addReminder(org, keyDate.id, 10);
    await harness.call(org, "DELETE", `/v1/contracts/${contract.id}`);
    expect((await reminder(org, created.id)).status).toBe("cancelled");
  });
});
