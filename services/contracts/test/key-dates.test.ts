import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { makeDocx } from "./documents.fixtures.js";
import { ContractsHarness } from "./harness.js";

let harness: ContractsHarness;

beforeAll(async () => {
  harness = await ContractsHarness.start();
});

afterAll(async () => {
  await harness?.close();
});

describe("key dates", () => {
  it("creates, reads, changes and deletes a key date of a contract", async () => {
    const org = harness.newOrg();
    const contract = await harness.createContract(org);
    const created = await harness.call(org, "POST", `/v1/contracts/${contract.id}/key-dates`, {
      body: { kind: "renewal", date: "2027-01-01", title: "Renewal", description: "Auto-renews" },
    });
    expect(created.status).toBe(201);
    const keyDate = created.body.data.keyDate;
    expect(keyDate).toEqual({
      id: expect.any(String),
      contractId: contract.id,
      kind: "renewal",
      date: "2027-01-01",
      title: "Renewal",
      description: "Auto-renews",
      source: "manual",
      status: "confirmed",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const read = await harness.call(org, "GET", `/v1/key-dates/${keyDate.id}`);
    expect(read.body.data.keyDate).toEqual(keyDate);
    const patched = await harness.call(org, "PATCH", `/v1/key-dates/${keyDate.id}`, {
      body: { date: "2027-02-01", description: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data.keyDate).toMatchObject({ date: "2027-02-01", description: null });
    const deleted = await harness.call(org, "DELETE", `/v1/key-dates/${keyDate.id}`);
    expect(deleted.body).toEqual({ data: { id: keyDate.id, deleted: true } });
    expect((await harness.call(org, "GET", `/v1/key-dates/${keyDate.id}`)).status).toBe(404);
  });

  it("rejects bad key dates with 400 and details", async () => {
    const org = harness.newOrg();
    const contract = await harness.createContract(org);
    const cases: [unknown, string][] = [
      [{ kind: "birthday", date: "2027-01-01", title: "x" }, "body.kind"],
      [{ kind: "renewal", date: "01/01/2027", title: "x" }, "body.date"],
      [{ kind: "renewal", date: "2027-13-01", title: "x" }, "body.date"],
      [{ kind: "renewal", date: "2027-01-01" }, "body.title"],
    ];
    for (const [body, path] of cases) {
      const response = await harness.call(org, "POST", `/v1/contracts/${contract.id}/key-dates`, {
        body,
      });
      expect(response.status).toBe(400);
      expect(response.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const created = await harness.call(org, "POST", `/v1/contracts/${contract.id}/key-dates`, {
      body: { kind: "custom", date: "2027-01-01", title: "x" },
    });
    const unsuggest = await harness.call(
      org,
      "PATCH",
      `/v1/key-dates/${created.body.data.keyDate.id}`,
      {
        body: { status: "suggested" },
      },
    );
    expect(unsuggest.status).toBe(400);
  });

  it("filters key dates by contract, kind and date range", async () => {
    const org = harness.newOrg();
    const a = await harness.createContract(org, { title: "A" });
    const b = await harness.createContract(org, { title: "B" });
    const add = (contractId: string, kind: string, date: string) =>
      harness.call(org, "POST", `/v1/contracts/${contractId}/key-dates`, {
        body: { kind, date, title: `${kind} ${date}` },
      });
    await add(a.id, "renewal", "2027-01-01");
    await add(a.id, "notice", "2026-10-01");
    await add(b.id, "renewal", "2028-01-01");
    await add(b.id, "payment", "2026-03-01");
    const list = async (query: string) =>
      (await harness.call(org, "GET", `/v1/key-dates${query}`)).body.data as {
        keyDates: { date: string; kind: string }[];
        total: number;
      };
    expect((await list("")).total).toBe(4);
    expect((await list(`?contractId=${a.id}`)).total).toBe(2);
    expect((await list("?kind=renewal")).keyDates.map((k) => k.date).sort()).toEqual([
      "2027-01-01",
      "2028-01-01",
    ]);
    expect(
      (await list("?from=2026-06-01&to=2027-06-01&sort=date")).keyDates.map((k) => k.date),
    ).toEqual(["2026-10-01", "2027-01-01"]);
    for (const query of ["?from=tomorrow", "?kind=birthday", "?contractId=nope", "?take=101"]) {
      const response = await harness.call(org, "GET", `/v1/key-dates${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
    }
  });

  it("offers the dates a document mentions as suggested key dates, confirmed with PATCH", async () => {
    const org = harness.newOrg();
    const docx = await makeDocx([
      "MASTER SERVICES AGREEMENT",
      "This Agreement is effective as of January 15, 2026.",
      "It renews automatically on January 1, 2027 unless either party gives notice by October 1, 2026.",
      "Invoices are payable within 30 days.",
    ]);
    const created = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "msa.docx",
      data: docx,
    });
    expect(created.status).toBe(201);
    const contractId = created.body.data.contract.id;
    const list = await harness.call(org, "GET", `/v1/key-dates?contractId=${contractId}&sort=date`);
    expect(list.body.data.keyDates.map((k: any) => [k.kind, k.date, k.source, k.status])).toEqual([
      ["effective", "2026-01-15", "extracted", "suggested"],
      ["notice", "2026-10-01", "extracted", "suggested"],
      ["renewal", "2027-01-01", "extracted", "suggested"],
    ]);
    const notice = list.body.data.keyDates[1];
    expect(notice.description).toContain("gives notice by October 1, 2026");
    const suggested = await harness.call(
      org,
      "GET",
      `/v1/key-dates?contractId=${contractId}&status=suggested`,
    );
    expect(suggested.body.data.total).toBe(3);
    const confirmed = await harness.call(org, "PATCH", `/v1/key-dates/${notice.id}`, {
      body: { status: "confirmed" },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.data.keyDate).toMatchObject({ status: "confirmed", source: "extracted" });

    // A new version replaces the suggestions nobody acted on, and keeps the confirmed one.
    const v2 = await harness.upload(org, "PUT", `/v1/contracts/${contractId}/document`, {
      filename: "v2.txt",
      data: new TextEncoder().encode("This Agreement expires on June 30, 2028."),
    });
    expect(v2.status).toBe(201);
    const after = await harness.call(
      org,
      "GET",
      `/v1/key-dates?contractId=${contractId}&sort=date`,
    );
    expect(after.body.data.keyDates.map((k: any) => [k.kind, k.date, k.status])).toEqual([
      ["notice", "2026-10-01", "confirmed"],
      ["expiration", "2028-06-30", "suggested"],
    ]);
  });

  it("refuses with 409 to move a date from the document onto the kind and date of another one", async () => {
    const org = harness.newOrg();
    const created = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "msa.txt",
      data: new TextEncoder().encode(
        "It renews automatically on January 1, 2027 unless either party gives notice by October 1, 2026.",
      ),
    });
    expect(created.status).toBe(201);
    const contractId = created.body.data.contract.id;
    const list = await harness.call(org, "GET", `/v1/key-dates?contractId=${contractId}&sort=date`);
    const [notice, renewal] = list.body.data.keyDates;
    expect([notice.kind, renewal.kind]).toEqual(["notice", "renewal"]);
    const clash = await harness.call(org, "PATCH", `/v1/key-dates/${notice.id}`, {
      body: { kind: "renewal", date: renewal.date },
    });
    expect(clash.status).toBe(409);
    expect(clash.body.error).toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining(
        "already has a renewal date on 2027-01-01 from its document",
      ),
    });
    // Nothing changed; a date of its own is fine.
    const unchanged = await harness.call(org, "GET", `/v1/key-dates/${notice.id}`);
    expect(unchanged.body.data.keyDate).toMatchObject({ kind: "notice", date: "2026-10-01" });
    const moved = await harness.call(org, "PATCH", `/v1/key-dates/${notice.id}`, {
      body: { kind: "renewal", date: "2027-02-01" },
    });
    expect(moved.status).toBe(200);
  });

  it("keeps another organization's key dates and reminders out of reach (404)", async () => {
    const owner = harness.newOrg();
    const intruder = harness.newOrg();
    const contract = await harness.createContract(owner);
    const keyDate = (
      await harness.call(owner, "POST", `/v1/contracts/${contract.id}/key-dates`, {
        body: { kind: "renewal", date: "2031-01-01", title: "Renewal" },
      })
    ).body.data.keyDate;
    const reminder = (
      await harness.call(owner, "POST", `/v1/key-dates/${keyDate.id}/reminders`, {
        body: { daysBefore: 30, channels: ["email"] },
      })
    ).body.data.reminder;
    const routes: [string, string, unknown?][] = [
      ["GET", `/v1/key-dates/${keyDate.id}`],
      ["PATCH", `/v1/key-dates/${keyDate.id}`, { title: "x" }],
      ["DELETE", `/v1/key-dates/${keyDate.id}`],
      ["POST", `/v1/key-dates/${keyDate.id}/reminders`, { daysBefore: 1, channels: ["webhook"] }],
      ["GET", `/v1/reminders/${reminder.id}`],
      ["DELETE", `/v1/reminders/${reminder.id}`],
      ["GET", "/v1/key-dates/not-a-uuid"],
      ["DELETE", "/v1/reminders/not-a-uuid"],
    ];
    for (const [method, path, body] of routes) {
      const response = await harness.call(intruder, method, path, body ? { body } : {});
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
    }
    expect((await harness.call(intruder, "GET", "/v1/key-dates")).body.data.total).toBe(0);
    expect((await harness.call(intruder, "GET", "/v1/reminders")).body.data.total).toBe(0);
    const still = await harness.call(owner, "GET", `/v1/reminders/${reminder.id}`);
    expect(still.body.data.reminder.status).toBe("scheduled");
  });
});
