import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call, waitFor } from "@clment/testing";
import { CLAUSE_TYPE_IDS } from "../src/engine/clause-types.js";
import { STANDARD_PLAYBOOK_NAME } from "../src/engine/standard-playbook.js";
import { ReviewHarness, type TestOrganization } from "./support/harness.js";

describe("playbooks", () => {
  let harness: ReviewHarness;
  let org: TestOrganization;
  let other: TestOrganization;

  beforeAll(async () => {
    harness = await ReviewHarness.start();
    [org, other] = await Promise.all([harness.newOrganization(), harness.newOrganization()]);
  });
  afterAll(() => harness?.close());

  const rules = [
    {
      title: "Net 30",
      clauseType: "payment_terms",
      requirement: "required",
      severity: "high",
      parameters: { maxNetDays: 30 },
      preferredText: "Customer shall pay within thirty (30) days.",
    },
    { clauseType: "governing_law", parameters: { allowedJurisdictions: ["Delaware"] } },
  ];

  async function builtIn(of: TestOrganization) {
    const list = await harness.as(of.user, "GET", "/v1/playbooks");
    return list.body.data.playbooks.find((p: any) => p.builtIn);
  }

  it("gives every new organization the built-in standard playbook, once, however often the event arrives", async () => {
    const playbook = await builtIn(org);
    expect(playbook).toMatchObject({ name: STANDARD_PLAYBOOK_NAME, builtIn: true });
    expect(playbook.rules.map((r: any) => r.clauseType).sort()).toEqual(
      [...CLAUSE_TYPE_IDS].sort(),
    );
    // The organization announced again (a redelivery with a new event id) adds nothing.
    const eventId = await harness.announceOrganization(org.id);
    await waitFor(
      async () =>
        (await harness.inspect.db
          .selectFrom("processed_events")
          .select("event_id")
          .where("consumer", "=", "review")
          .where("event_id", "=", eventId)
          .executeTakeFirst()) !== undefined,
      { timeoutMs: 20_000, message: "the second organization.created" },
    );
    const list = await harness.as(org.user, "GET", "/v1/playbooks");
    expect(list.body.data.total).toBe(1);
  });

  it("serves the clause-type catalogue with each type's parameter schema", async () => {
    const response = await harness.as(org.user, "GET", "/v1/playbooks/clause-types");
    expect(response.status).toBe(200);
    const types = response.body.data.clauseTypes;
    expect(types.map((t: any) => t.id)).toEqual([...CLAUSE_TYPE_IDS]);
    for (const type of types) {
      expect(type).toMatchObject({ title: expect.any(String), description: expect.any(String) });
      expect(type.parameters.type).toBe("object");
    }
  });

  it("creates, reads, lists, updates and deletes a playbook", async () => {
    const created = await harness.as(org.user, "POST", "/v1/playbooks", {
      body: { name: "Vendor deals", description: "For vendors", rules },
    });
    expect(created.status).toBe(201);
    const playbook = created.body.data.playbook;
    expect(playbook).toMatchObject({
      name: "Vendor deals",
      description: "For vendors",
      builtIn: false,
      rules: [
        {
          id: expect.any(String),
          title: "Net 30",
          clauseType: "payment_terms",
          requirement: "required",
          severity: "high",
          parameters: { maxNetDays: 30 },
          preferredText: "Customer shall pay within thirty (30) days.",
          fallbackText: null,
        },
        {
          title: "Governing law",
          requirement: "required",
          severity: "medium",
          parameters: { allowedJurisdictions: ["Delaware"] },
        },
      ],
    });

    const read = await harness.as(org.user, "GET", `/v1/playbooks/${playbook.id}`);
    expect(read.body.data.playbook).toEqual(playbook);

    const [keep] = playbook.rules;
    const updated = await harness.as(org.user, "PATCH", `/v1/playbooks/${playbook.id}`, {
      body: { name: "Vendor deals v2", rules: [{ ...keep, parameters: { maxNetDays: 45 } }] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data.playbook).toMatchObject({
      name: "Vendor deals v2",
      description: "For vendors",
      rules: [{ id: keep.id, parameters: { maxNetDays: 45 } }],
    });

    const deleted = await harness.as(org.user, "DELETE", `/v1/playbooks/${playbook.id}`);
    expect(deleted.body).toEqual({ data: { id: playbook.id, deleted: true } });
    expect((await harness.as(org.user, "GET", `/v1/playbooks/${playbook.id}`)).status).toBe(404);
  });

  it("keeps the built-in playbook read-only: 409 on edit and delete", async () => {
    const standard = await builtIn(org);
    const patch = await harness.as(org.user, "PATCH", `/v1/playbooks/${standard.id}`, {
      body: { name: "Mine now" },
    });
    expect(patch.status).toBe(409);
    expect(patch.body.error.code).toBe("CONFLICT");
    const remove = await harness.as(org.user, "DELETE", `/v1/playbooks/${standard.id}`);
    expect(remove.status).toBe(409);
    expect((await builtIn(org)).name).toBe(STANDARD_PLAYBOOK_NAME);
  });

  it("copies the built-in playbook into an editable one with copyFrom", async () => {
    const standard = await builtIn(org);
    const copy = await harness.as(org.user, "POST", "/v1/playbooks", {
      body: { copyFrom: standard.id },
    });
    expect(copy.status).toBe(201);
    const playbook = copy.body.data.playbook;
    expect(playbook).toMatchObject({
      name: `${STANDARD_PLAYBOOK_NAME} (copy)`,
      builtIn: false,
      description: standard.description,
    });
    expect(playbook.rules.map((r: any) => ({ ...r, id: undefined }))).toEqual(
      standard.rules.map((r: any) => ({ ...r, id: undefined })),
    );
    expect(playbook.rules.map((r: any) => r.id)).not.toEqual(standard.rules.map((r: any) => r.id));
    const edited = await harness.as(org.user, "PATCH", `/v1/playbooks/${playbook.id}`, {
      body: { description: "Ours" },
    });
    expect(edited.status).toBe(200);
  });

  it("rejects unknown parameters and values of the wrong type with details (400)", async () => {
    const response = await harness.as(org.user, "POST", "/v1/playbooks", {
      body: {
        name: "Bad",
        rules: [
          { clauseType: "payment_terms", parameters: { maxNetDays: "thirty", netDays: 30 } },
          { clauseType: "not_a_type" },
          { clauseType: "governing_law", parameters: {} },
        ],
      },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("VALIDATION_ERROR");
    expect(response.body.error.details.map((d: any) => d.path)).toEqual(
      expect.arrayContaining([
        "body.rules.0.parameters.maxNetDays",
        "body.rules.0.parameters.netDays",
        "body.rules.1.clauseType",
        "body.rules.2.parameters.allowedJurisdictions",
      ]),
    );
    const noName = await harness.as(org.user, "POST", "/v1/playbooks", { body: { rules } });
    expect(noName.status).toBe(400);
    const emptyPatch = await harness.as(
      org.user,
      "PATCH",
      `/v1/playbooks/${(await builtIn(org)).id}`,
      {
        body: {},
      },
    );
    expect(emptyPatch.status).toBe(400);
  });

  it("pages the list with a total, stable order and bounds (take=101 → 400)", async () => {
    for (const name of ["Alpha", "Bravo", "Charlie"]) {
      await harness.as(other.user, "POST", "/v1/playbooks", { body: { name, rules } });
    }
    const first = await harness.as(other.user, "GET", "/v1/playbooks?take=2&sort=name");
    expect(first.body.data.total).toBe(4);
    expect(first.body.data.playbooks.map((p: any) => p.name)).toEqual(["Alpha", "Bravo"]);
    const second = await harness.as(other.user, "GET", "/v1/playbooks?take=2&skip=2&sort=name");
    expect(second.body.data.playbooks.map((p: any) => p.name)).toEqual([
      "Charlie",
      STANDARD_PLAYBOOK_NAME,
    ]);
    expect((await harness.as(other.user, "GET", "/v1/playbooks?take=101")).status).toBe(400);
    expect((await harness.as(other.user, "GET", "/v1/playbooks?skip=-1")).status).toBe(400);
    expect((await harness.as(other.user, "GET", "/v1/playbooks?sort=rules")).status).toBe(400);
  });

  it("never shows another organization's playbook: 404 on read, edit and delete", async () => {
    const mine = (
      await harness.as(org.user, "POST", "/v1/playbooks", { body: { name: "Private", rules } })
    ).body.data.playbook;
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { name: "Stolen" }],
      ["DELETE", undefined],
    ] as const) {
      const response = await harness.as(other.user, method, `/v1/playbooks/${mine.id}`, { body });
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("NOT_FOUND");
    }
    const copy = await harness.as(other.user, "POST", "/v1/playbooks", {
      body: { copyFrom: mine.id },
    });
    expect(copy.status).toBe(404);
    const list = await harness.as(other.user, "GET", "/v1/playbooks?take=100");
    expect(list.body.data.playbooks.map((p: any) => p.id)).not.toContain(mine.id);
    expect((await harness.as(org.user, "GET", "/v1/playbooks/not-a-uuid")).status).toBe(404);
  });

  it("answers 401 without an identity token", async () => {
    const response = await call(harness.url, "GET", "/v1/playbooks");
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("UNAUTHORIZED");
  });
});
