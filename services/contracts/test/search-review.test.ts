import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { EventMap, FindingSnapshot, PlaybookSnapshot } from "@clment/queue";
import { waitFor } from "@clment/testing";
import { ContractsHarness, type TestOrg } from "./harness.js";

/**
 * The review service's playbooks and findings in the workspace search: their events, written
 * to the review schema's outbox and relayed to this service's consumer as the review service
 * does it.
 */
let harness: ContractsHarness;
let org: TestOrg;

beforeAll(async () => {
  harness = await ContractsHarness.start();
  org = harness.newOrg();
});

afterAll(async () => {
  await harness?.close();
});

interface Result {
  type: string;
  id: string;
  title: string;
  snippet: string;
  contractId?: string;
}

async function search(who: TestOrg, query: string) {
  const response = await harness.call(who, "GET", `/v1/search?${query}`);
  expect(response.status).toBe(200);
  return response.body.data as { results: Result[]; total: number };
}

/** Waits until the index (fed by events) answers `query` as `until` wants. */
async function searchUntil(
  who: TestOrg,
  query: string,
  until: (data: { results: Result[]; total: number }) => boolean,
) {
  return waitFor(
    async () => {
      const data = await search(who, query);
      return until(data) ? data : undefined;
    },
    { timeoutMs: 20_000, message: `search ${query}` },
  );
}

const q = (text: string, types?: string) =>
  `q=${encodeURIComponent(text)}${types ? `&types=${types}` : ""}`;

function playbook(name: string, changes: Partial<PlaybookSnapshot> = {}): PlaybookSnapshot {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    name,
    description: "Positions for commercial agreements.",
    builtIn: false,
    rules: [{ id: randomUUID(), title: "Cap liability at fees paid", clauseType: "liability" }],
    createdAt: now,
    updatedAt: now,
    ...changes,
  };
}

function finding(contractId: string, changes: Partial<FindingSnapshot> = {}): FindingSnapshot {
  return {
    id: randomUUID(),
    reviewId: randomUUID(),
    contractId,
    ruleId: randomUUID(),
    ruleTitle: "Payment within thirty days",
    clauseType: "payment_terms",
    status: "deviation",
    severity: "medium",
    excerpt: "Invoices are payable within sixty days of the invoice date.",
    explanation: "The playbook asks for thirty days; the contract gives sixty.",
    createdAt: new Date().toISOString(),
    ...changes,
  };
}

/** Publishes a review service event and waits until this service has handled it. */
async function publish<
  T extends "playbook.created" | "playbook.updated" | "playbook.deleted" | "finding.created",
>(type: T, data: EventMap[T], organizationId = org.id) {
  await harness.handled(await harness.publishEvent("review", type, organizationId, data));
}

const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

describe("search over playbooks and findings (review service events)", () => {
  it("finds a created playbook by its name and its rules, only with its type and only in its organization", async () => {
    const created = playbook("Gryphon procurement playbook", {
      rules: [{ id: randomUUID(), title: "Escrow of source code", clauseType: "ip" }],
    });
    await publish("playbook.created", { playbook: created });
    const byName = await searchUntil(org, q("gryphon"), (d) => d.total === 1);
    expect(byName.results[0]).toMatchObject({
      type: "playbook",
      id: created.id,
      title: "Gryphon procurement playbook",
    });
    expect(byName.results[0]).not.toHaveProperty("contractId");
    expect((await search(org, q("gryphon escrow", "playbook"))).total).toBe(1);
    expect(await search(org, q("gryphon", "contract,finding"))).toEqual({ results: [], total: 0 });
    expect(await search(harness.newOrg(), q("gryphon"))).toEqual({ results: [], total: 0 });
  });

  it("follows playbook updates, ignores an older snapshot arriving late, and forgets a deleted playbook for good", async () => {
    const created = playbook("Basilisk supplier playbook");
    const events = { playbook: created };
    await publish("playbook.created", events);
    await searchUntil(org, q("basilisk"), (d) => d.total === 1);

    const renamed = { ...created, name: "Chimera supplier playbook" };
    renamed.updatedAt = later(created.updatedAt, 1_000);
    await publish("playbook.updated", { playbook: renamed });
    await searchUntil(org, q("chimera"), (d) => d.total === 1);
    expect((await search(org, q("basilisk"))).total).toBe(0);

    // The created event delivered again (as a new event) after the update: the name stays.
    await publish("playbook.created", events);
    expect((await search(org, q("basilisk"))).total).toBe(0);
    expect((await search(org, q("chimera"))).total).toBe(1);

    await publish("playbook.deleted", {
      playbook: { id: created.id, name: renamed.name },
    });
    await searchUntil(org, q("chimera"), (d) => d.total === 0);
    // A late update of the deleted playbook does not bring it back.
    const late = { ...renamed, updatedAt: later(created.updatedAt, 5_000) };
    await publish("playbook.updated", { playbook: late });
    expect((await search(org, q("chimera"))).total).toBe(0);
  });

  it("finds a finding by its excerpt and explanation, with its contract id, and drops it with its contract", async () => {
    const contract = await harness.createContract(org, { title: "Manticore services agreement" });
    const created = finding(contract.id, {
      excerpt: "The supplier's manticore liability is unlimited for indirect damages.",
    });
    await publish("finding.created", { finding: created });
    const found = await searchUntil(org, q("manticore liability", "finding"), (d) => d.total === 1);
    expect(found.results[0]).toMatchObject({
      type: "finding",
      id: created.id,
      contractId: contract.id,
      title: "Payment within thirty days",
    });
    expect(found.results[0]!.snippet).toContain("manticore liability");
    // By the explanation and the clause type too; the contract itself is another result.
    expect(
      (await search(org, q("playbook asks thirty", "finding"))).results.map((r) => r.id),
    ).toContain(created.id);
    const both = await searchUntil(org, q("manticore"), (d) => d.total === 2);
    expect(both.results.map((r) => r.type).sort()).toEqual(["contract", "finding"]);
    expect(await search(harness.newOrg(), q("manticore"))).toEqual({ results: [], total: 0 });

    await harness.call(org, "DELETE", `/v1/contracts/${contract.id}`);
    await searchUntil(org, q("manticore"), (d) => d.total === 0);
  });

  it("does not index a finding of a contract that was deleted meanwhile, nor one of another organization's contract", async () => {
    const contract = await harness.createContract(org, { title: "Hydra agreement" });
    await harness.call(org, "DELETE", `/v1/contracts/${contract.id}`);
    await publish("finding.created", {
      finding: finding(contract.id, { excerpt: "The hydra clause renews itself." }),
    });
    const other = harness.newOrg();
    const theirs = await harness.createContract(other, { title: "Kraken agreement" });
    // Claimed for `org` but naming another organization's contract.
    await publish("finding.created", {
      finding: finding(theirs.id, { excerpt: "The kraken clause is confidential." }),
    });
    expect((await search(org, q("hydra"))).total).toBe(0);
    expect((await search(org, q("kraken"))).total).toBe(0);
    await searchUntil(
      other,
      q("kraken"),
      (d) => d.total === 1 && d.results[0]!.type === "contract",
    );
  });

  it("indexes a finding delivered twice once", async () => {
    const contract = await harness.createContract(org, { title: "Wyvern agreement" });
    const created = finding(contract.id, { excerpt: "The wyvern clause appears once." });
    await publish("finding.created", { finding: created });
    await publish("finding.created", { finding: created });
    expect((await search(org, q("wyvern", "finding"))).total).toBe(1);
  });
});
