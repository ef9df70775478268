import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ContractsHarness, type TestOrg } from "./harness.js";

let harness: ContractsHarness;

beforeAll(async () => {
  harness = await ContractsHarness.start();
});

afterAll(async () => {
  await harness?.close();
});

describe("contracts", () => {
  it("creates a contract from JSON with every field and reads it back", async () => {
    const org = harness.newOrg();
    const created = await harness.call(org, "POST", "/v1/contracts", {
      body: {
        title: "Reseller agreement",
        counterparty: "Globex Inc.",
        status: "active",
        value: { amount: 125000.5, currency: "eur" },
        effectiveDate: "2026-01-01",
        endDate: "2027-12-31",
        tags: ["reseller", "emea", "reseller"],
        metadata: { owner: "legal", priority: 2 },
      },
    });
    expect(created.status).toBe(201);
    const contract = created.body.data.contract;
    expect(contract).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: "Reseller agreement",
      status: "active",
      counterparty: "Globex Inc.",
      value: { amount: 125000.5, currency: "EUR" },
      effectiveDate: "2026-01-01",
      endDate: "2027-12-31",
      tags: ["reseller", "emea"],
      metadata: { owner: "legal", priority: 2 },
      document: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const read = await harness.call(org, "GET", `/v1/contracts/${contract.id}`);
    expect(read.status).toBe(200);
    expect(read.body.data.contract).toEqual(contract);
    const events = await harness.events("contract.created");
    expect(events.find((e) => e.payload.contract.id === contract.id)).toMatchObject({
      organization_id: org.id,
      payload: { contract: { title: "Reseller agreement" } },
    });
  });

  it("creates a contract from a multipart form without a file", async () => {
    const org = harness.newOrg();
    const created = await harness.upload(org, "POST", "/v1/contracts", null, {
      title: "Form only",
      tags: "a,b",
      "value.amount": "10",
      "value.currency": "USD",
      metadata: '{"source":"form"}',
    });
    expect(created.status).toBe(201);
    expect(created.body.data.contract).toMatchObject({
      title: "Form only",
      tags: ["a", "b"],
      value: { amount: 10, currency: "USD" },
      metadata: { source: "form" },
      document: null,
    });
  });

  it("rejects bad bodies with 400 and details", async () => {
    const org = harness.newOrg();
    const cases: [unknown, string][] = [
      [{}, "body.title"],
      [{ title: "" }, "body.title"],
      [{ title: "x", status: "signed" }, "body.status"],
      [{ title: "x", value: { amount: -1, currency: "USD" } }, "body.value.amount"],
      [{ title: "x", value: { amount: 1, currency: "dollars" } }, "body.value.currency"],
      [{ title: "x", effectiveDate: "2026-02-30" }, "body.effectiveDate"],
      [{ title: "x", effectiveDate: "2026-05-01", endDate: "2026-04-01" }, "body.endDate"],
      [{ title: "x", tags: "not-a-list" }, "body.tags"],
      [{ title: "x", owner: "someone" }, "body"],
    ];
    for (const [body, path] of cases) {
      const response = await harness.call(org, "POST", "/v1/contracts", { body });
      expect({ body, status: response.status, code: response.body.error.code }).toEqual({
        body,
        status: 400,
        code: "VALIDATION_ERROR",
      });
      expect(response.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const malformed = await harness.call(org, "POST", "/v1/contracts", {
      rawBody: '{"title": ',
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    const plain = await harness.call(org, "POST", "/v1/contracts", {
      rawBody: "title=x",
      headers: { "content-type": "text/plain" },
    });
    expect(plain.status).toBe(400);
  });

  it("updates a contract with PATCH and emits contract.updated with the changed fields", async () => {
    const org = harness.newOrg();
    const contract = await harness.createContract(org, { counterparty: "Acme" });
    const patched = await harness.call(org, "PATCH", `/v1/contracts/${contract.id}`, {
      body: { status: "in_review", counterparty: null, tags: ["urgent"] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data.contract).toMatchObject({
      status: "in_review",
      counterparty: null,
      tags: ["urgent"],
      title: contract.title,
    });
    const events = await harness.events("contract.updated");
    const event = events.find((e) => e.payload.contract.id === contract.id);
    expect(event?.payload.changed).toEqual(["counterparty", "status", "tags"]);

    const invalid = await harness.call(org, "PATCH", `/v1/contracts/${contract.id}`, {
      body: { status: "nope" },
    });
    expect(invalid.status).toBe(400);
    const unordered = await harness.call(org, "PATCH", `/v1/contracts/${contract.id}`, {
      body: { effectiveDate: "2026-06-01" },
    });
    expect(unordered.status).toBe(200);
    const before = await harness.call(org, "PATCH", `/v1/contracts/${contract.id}`, {
      body: { endDate: "2026-05-01" },
    });
    expect(before.status).toBe(400);
  });

  it("deletes a contract: 200 with deleted: true, then 404, and contract.deleted", async () => {
    const org = harness.newOrg();
    const contract = await harness.createContract(org);
    const deleted = await harness.call(org, "DELETE", `/v1/contracts/${contract.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ data: { id: contract.id, deleted: true } });
    expect((await harness.call(org, "GET", `/v1/contracts/${contract.id}`)).status).toBe(404);
    expect((await harness.call(org, "DELETE", `/v1/contracts/${contract.id}`)).status).toBe(404);
    const events = await harness.events("contract.deleted");
    expect(events.some((e) => e.payload.contract.id === contract.id)).toBe(true);
  });

  it("answers 404 for a non-UUID id, never 400 or 500", async () => {
    const org = harness.newOrg();
    for (const path of [
      "/v1/contracts/not-a-uuid",
      "/v1/contracts/1",
      "/v1/contracts/%27%20or%201=1",
    ]) {
      const response = await harness.call(org, "GET", path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(response.body.error.code).toBe("NOT_FOUND");
    }
  });

  it("answers 401 without an identity token, and with a forged one", async () => {
    const response = await harness.call(null, "GET", "/v1/contracts");
    expect(response.status).toBe(401);
    const forged = await harness.call(null, "GET", "/v1/contracts", {
      headers: { "x-clment-identity": "eyJhbGciOiJub25lIn0.e30." },
    });
    expect(forged.status).toBe(401);
  });

  it("never shows, changes or deletes another organization's contract (404 on every route)", async () => {
    const owner = harness.newOrg();
    const intruder = harness.newOrg();
    const contract = await harness.createContract(owner, { title: "Confidential" });
    const routes: [string, string, unknown?][] = [
      ["GET", `/v1/contracts/${contract.id}`],
      ["PATCH", `/v1/contracts/${contract.id}`, { title: "pwned" }],
      ["DELETE", `/v1/contracts/${contract.id}`],
      ["GET", `/v1/contracts/${contract.id}/versions`],
      ["GET", `/v1/contracts/${contract.id}/document`],
      ["GET", `/v1/contracts/${contract.id}/text`],
      [
        "POST",
        `/v1/contracts/${contract.id}/key-dates`,
        { kind: "renewal", date: "2027-01-01", title: "x" },
      ],
    ];
    for (const [method, path, body] of routes) {
      const response = await harness.call(intruder, method, path, body ? { body } : {});
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
    }
    const list = await harness.call(intruder, "GET", "/v1/contracts");
    expect(list.body.data).toEqual({ contracts: [], total: 0 });
    const still = await harness.call(owner, "GET", `/v1/contracts/${contract.id}`);
    expect(still.body.data.contract.title).toBe("Confidential");
  });
});

describe("listing contracts", () => {
  let org: TestOrg;
  const titles = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf"];

  beforeAll(async () => {
    org = harness.newOrg();
    for (const [i, title] of titles.entries()) {
      await harness.createContract(org, {
        title,
        status: i % 2 === 0 ? "active" : "draft",
        counterparty: i < 3 ? "Acme Corporation" : "Globex",
        tags: i % 3 === 0 ? ["priority"] : [],
        endDate: `2027-0${(i % 5) + 1}-01`,
      });
    }
  });

  const list = async (query: string) => {
    const response = await harness.call(org, "GET", `/v1/contracts${query}`);
    expect(response.status).toBe(200);
    return response.body.data as { contracts: any[]; total: number };
  };

  it("lists newest first by default with the total", async () => {
    const { contracts, total } = await list("");
    expect(total).toBe(7);
    expect(contracts.map((c) => c.title)).toEqual([...titles].reverse());
  });

  it("filters by status, counterparty, tag and text", async () => {
    expect((await list("?status=active")).total).toBe(4);
    expect((await list("?status=active,draft")).total).toBe(7);
    expect((await list("?counterparty=acme")).contracts.map((c) => c.title).sort()).toEqual([
      "Alpha",
      "Bravo",
      "Charlie",
    ]);
    expect((await list("?tag=priority")).contracts.map((c) => c.title).sort()).toEqual([
      "Alpha",
      "Delta",
      "Golf",
    ]);
    expect((await list("?q=foxtrot")).contracts.map((c) => c.title)).toEqual(["Foxtrot"]);
    expect((await list("?status=active&counterparty=globex")).total).toBe(2);
  });

  it("sorts by an allowed field, ascending or descending, ties broken by id", async () => {
    expect((await list("?sort=title")).contracts.map((c) => c.title)).toEqual(titles);
    expect((await list("?sort=-title")).contracts.map((c) => c.title)).toEqual(
      [...titles].reverse(),
    );
    const byEnd = (await list("?sort=endDate&take=100")).contracts;
    const keys = byEnd.map((c) => `${c.endDate}|${c.id}`);
    expect(keys).toEqual([...keys].sort());
  });

  it("pages with skip and take in a stable order", async () => {
    const pages = [];
    for (let skip = 0; skip < 7; skip += 3) {
      const page = await list(`?sort=endDate&skip=${skip}&take=3`);
      expect(page.total).toBe(7);
      pages.push(...page.contracts.map((c) => c.id));
    }
    const all = (await list("?sort=endDate&take=100")).contracts.map((c) => c.id);
    expect(pages).toEqual(all);
    expect(new Set(pages).size).toBe(7);
  });

  it("rejects bad paging, sort and filter values with 400", async () => {
    for (const query of [
      "?take=101",
      "?take=0",
      "?skip=-1",
      "?take=1.5",
      "?sort=password",
      "?status=signed",
    ]) {
      const response = await harness.call(org, "GET", `/v1/contracts${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(response.body.error.code).toBe("VALIDATION_ERROR");
    }
  });
});
