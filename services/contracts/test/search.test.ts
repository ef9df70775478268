import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { waitFor } from "@clment/testing";
import { sql } from "kysely";
import { ContractsHarness, type TestOrg } from "./harness.js";

let harness: ContractsHarness;
let org: TestOrg;

beforeAll(async () => {
  harness = await ContractsHarness.start();
  org = harness.newOrg();
});

afterAll(async () => {
  await harness?.close();
});

const search = async (who: TestOrg, query: string) => {
  const response = await harness.call(who, "GET", `/v1/search?${query}`);
  return response;
};

/** Waits until the index (fed by events) gives `total` results for `q`. */
async function searchUntil(who: TestOrg, query: string, total: number) {
  return waitFor(
    async () => {
      const response = await search(who, query);
      return response.body?.data?.total === total ? response.body.data : undefined;
    },
    { timeoutMs: 20_000, message: `search ${query} to give ${total}` },
  );
}

async function textContract(
  who: TestOrg,
  title: string,
  text: string,
  fields: Record<string, string> = {},
) {
  const response = await harness.upload(
    who,
    "POST",
    "/v1/contracts",
    { filename: `${title}.txt`, data: new TextEncoder().encode(text) },
    { title, ...fields },
  );
  expect(response.status).toBe(201);
  return response.body.data.contract as { id: string };
}

describe("search", () => {
  it("ranks results by relevance over titles, counterparties, tags and document text", async () => {
    const inTitle = await textContract(org, "Mercury supply agreement", "Terms for deliveries.");
    const inText = await textContract(
      org,
      "Logistics contract",
      "Deliveries of raw materials. The supplier ships mercury thermometers quarterly.",
    );
    const inCounterparty = await textContract(org, "Distribution deal", "Standard terms.", {
      counterparty: "Mercury Holdings",
    });
    const data = await searchUntil(org, "q=mercury", 3);
    const ids = data.results.map((r: { id: string }) => r.id);
    // Title weighs most, then counterparty and tags, then body text.
    expect(ids).toEqual([inTitle.id, inCounterparty.id, inText.id]);
    const scores = data.results.map((r: { score: number }) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const fromText = data.results.find((r: { id: string }) => r.id === inText.id);
    expect(fromText).toMatchObject({
      type: "contract",
      contractId: inText.id,
      title: "Logistics contract",
    });
    expect(fromText.snippet).toContain("mercury thermometers");
  });

  it("understands web search syntax: phrases, OR and exclusion", async () => {
    await textContract(
      org,
      "Cloud hosting",
      "The provider guarantees uptime of the hosted platform.",
    );
    await textContract(org, "Office lease", "The landlord guarantees heating of the office.");
    await searchUntil(org, "q=guarantees", 2);
    expect(
      (await searchUntil(org, `q=${encodeURIComponent('"guarantees uptime"')}`, 1)).results[0]
        .title,
    ).toBe("Cloud hosting");
    expect(
      (await searchUntil(org, `q=${encodeURIComponent("guarantees -landlord")}`, 1)).results[0]
        .title,
    ).toBe("Cloud hosting");
    await searchUntil(org, `q=${encodeURIComponent("uptime or heating")}`, 2);
  });

  it("matches a phrase only with its words in order and at their distance, stop words included", async () => {
    const exact = await textContract(
      org,
      "Phrase exact",
      "Clause 9. Limitation of liability: the gizmo supplier is liable up to the fees.",
    );
    const otherStopWord = await textContract(
      org,
      "Phrase stop word",
      "Our gizmo terms set a limitation on liability for both parties.",
    );
    await textContract(
      org,
      "Phrase reversed",
      "The gizmo liability limitation is set out in schedule two.",
    );
    await textContract(
      org,
      "Phrase apart",
      "A gizmo limitation applies to deliveries. Liability is unlimited.",
    );
    await searchUntil(org, "q=gizmo", 4);
    const phrase = await searchUntil(
      org,
      `q=${encodeURIComponent('"limitation of liability" gizmo')}`,
      2,
    );
    expect(phrase.results.map((r: { id: string }) => r.id).sort()).toEqual(
      [exact.id, otherStopWord.id].sort(),
    );
    // Three words in a row, alternatives and exclusions around a phrase.
    expect(
      (await search(org, `q=${encodeURIComponent('"gizmo supplier is liable"')}`)).body.data
        .results[0].id,
    ).toBe(exact.id);
    expect(
      (await search(org, `q=${encodeURIComponent('"liable gizmo supplier"')}`)).body.data,
    ).toEqual({ results: [], total: 0 });
    const either = await search(
      org,
      `q=${encodeURIComponent('"limitation of liability" or "liability limitation"')}`,
    );
    expect(either.body.data.total).toBe(3);
    const without = await search(
      org,
      `q=${encodeURIComponent('"limitation of liability" -schedule -fees')}`,
    );
    expect(without.body.data.results.map((r: { id: string }) => r.id)).toEqual([otherStopWord.id]);
  });

  it("counts up to 1,000 matches exactly and past that gives an estimate flagged totalIsExact: false", async () => {
    const crowded = harness.newOrg();
    await harness.db
      .insertInto("search_documents")
      .columns(["organization_id", "type", "resource_id", "contract_id", "title", "body"])
      .expression((eb) =>
        eb
          .selectFrom(sql<{ n: number }>`generate_series(1, 1005)`.as("g"))
          .select([
            sql<string>`${crowded.id}::uuid`.as("organization_id"),
            sql<string>`'contract'`.as("type"),
            sql<string>`gen_random_uuid()`.as("resource_id"),
            sql<null>`null`.as("contract_id"),
            sql<string>`'Pelican agreement ' || g`.as("title"),
            sql<string>`'Pelican terms and pelican ' || repeat('clauses ', (g % 7)::int)`.as(
              "body",
            ),
          ]),
      )
      .execute();
    const many = await search(crowded, "q=pelican&take=5");
    expect(many.status).toBe(200);
    expect(many.body.data.totalIsExact).toBe(false);
    expect(many.body.data.total).toBeGreaterThan(1000);
    expect(many.body.data.results).toHaveLength(5);
    const few = await search(crowded, "q=pelican%20clauses");
    expect(few.body.data.totalIsExact).toBeUndefined();
    // g % 7 = 0 has no "clauses": 1005 - 143.
    expect(few.body.data.total).toBe(862);
    // The estimate never reaches another organization's rows.
    expect((await search(org, "q=pelican")).body.data).toEqual({ results: [], total: 0 });
  });

  it("follows changes: a renamed contract is found by its new title, a deleted one no more", async () => {
    const contract = await harness.createContract(org, { title: "Walrus agreement" });
    await searchUntil(org, "q=walrus", 1);
    await harness.call(org, "PATCH", `/v1/contracts/${contract.id}`, {
      body: { title: "Narwhal agreement" },
    });
    await searchUntil(org, "q=narwhal", 1);
    await searchUntil(org, "q=walrus", 0);
    await harness.call(org, "DELETE", `/v1/contracts/${contract.id}`);
    await searchUntil(org, "q=narwhal", 0);
  });

  it("only ever returns the caller's organization's results", async () => {
    const other = harness.newOrg();
    await textContract(other, "Secret platypus plan", "The platypus project is confidential.");
    await searchUntil(other, "q=platypus", 1);
    const mine = await search(org, "q=platypus");
    expect(mine.status).toBe(200);
    expect(mine.body.data).toEqual({ results: [], total: 0 });
  });

  it("keeps another organization's text out of the caller's results and total, even when it spells the caller's scope", async () => {
    const victim = harness.newOrg();
    const attacker = harness.newOrg();
    const hex = victim.id.replaceAll("-", "");
    const mine: string[] = [];
    for (const n of [1, 2, 3]) {
      mine.push((await textContract(victim, `Heron agreement ${n}`, "Heron wing clauses.")).id);
    }
    await searchUntil(victim, "q=heron", 3);
    // The scope words as they were (`org<hex>`, `type<type>`) and as they are now, through the
    // API and, past every candidate limit, straight into the index.
    const spelled = `org${hex} typecontract org ${hex} type contract`;
    await textContract(attacker, `${spelled} heron kestrel agreement`, "heron wing clauses");
    await searchUntil(attacker, "q=kestrel", 1);
    await harness.db
      .insertInto("search_documents")
      .columns(["organization_id", "type", "resource_id", "contract_id", "title", "body"])
      .expression((eb) =>
        eb
          .selectFrom(sql<{ n: number }>`generate_series(1, 1200)`.as("g"))
          .select([
            sql<string>`${attacker.id}::uuid`.as("organization_id"),
            sql<string>`'contract'`.as("type"),
            sql<string>`gen_random_uuid()`.as("resource_id"),
            sql<null>`null`.as("contract_id"),
            sql<string>`${spelled} || ' heron agreement ' || g`.as("title"),
            sql<string>`${spelled} || ' heron wing clauses'`.as("body"),
          ]),
      )
      .execute();
    // Nor may a row of the caller's own of another type pass for a contract.
    await harness.db
      .insertInto("search_documents")
      .values({
        organization_id: victim.id,
        type: "playbook",
        resource_id: randomUUID(),
        title: "typecontract type contract heron wing playbook",
        keywords: "",
        body: "",
      })
      .execute();
    for (const query of [
      "q=heron&types=contract",
      `q=${encodeURIComponent('"heron wing"')}&types=contract`,
    ]) {
      const found = (await search(victim, query)).body.data;
      expect({ query, total: found.total, exact: found.totalIsExact }).toEqual({
        query,
        total: 3,
        exact: undefined,
      });
      expect(found.results.map((r: { id: string }) => r.id).sort()).toEqual([...mine].sort());
    }
    expect((await search(victim, "q=heron")).body.data.total).toBe(4);
    expect((await search(victim, "q=kestrel")).body.data).toEqual({ results: [], total: 0 });
  });

  it("pages through the first 200 results of a larger set in one stable order, and refuses deeper pages with 400", async () => {
    const crowded = harness.newOrg();
    await harness.db
      .insertInto("search_documents")
      .columns(["organization_id", "type", "resource_id", "contract_id", "title", "body"])
      .expression((eb) =>
        eb.selectFrom(sql<{ n: number }>`generate_series(1, 450)`.as("g")).select([
          sql<string>`${crowded.id}::uuid`.as("organization_id"),
          sql<string>`'contract'`.as("type"),
          sql<string>`gen_random_uuid()`.as("resource_id"),
          sql<null>`null`.as("contract_id"),
          // A third mention the word in the title (ranked first), with many equal scores.
          sql<string>`case when g % 3 = 0 then 'Ibis agreement ' else 'Agreement ' end || g`.as(
            "title",
          ),
          sql<string>`'Ibis terms ' || repeat('ibis clauses ', (g % 4)::int)`.as("body"),
        ]),
      )
      .execute();
    const ids = async (skip: number, take: number) => {
      const response = await search(crowded, `q=ibis&skip=${skip}&take=${take}`);
      expect(response.status).toBe(200);
      expect(response.body.data.total).toBe(450);
      return response.body.data.results.map((r: { id: string }) => r.id) as string[];
    };
    const byTwenty: string[] = [];
    for (let skip = 0; skip < 200; skip += 20) byTwenty.push(...(await ids(skip, 20)));
    const byHundred = [...(await ids(0, 100)), ...(await ids(100, 100))];
    expect(byTwenty).toHaveLength(200);
    expect(new Set(byTwenty).size).toBe(200);
    expect(byTwenty).toEqual(byHundred);
    expect(await ids(190, 10)).toEqual(byTwenty.slice(190));
    for (const paging of ["skip=200&take=1", "skip=190&take=20", "skip=101&take=100"]) {
      const response = await search(crowded, `q=ibis&${paging}`);
      expect({ paging, status: response.status }).toEqual({ paging, status: 400 });
      expect(response.body.error).toMatchObject({
        code: "VALIDATION_ERROR",
        message: expect.stringContaining("first 200"),
      });
    }
  });

  it("filters by type and pages with skip and take", async () => {
    for (const n of [1, 2, 3])
      await harness.createContract(org, { title: `Quokka agreement ${n}` });
    const all = await searchUntil(org, "q=quokka&types=contract", 3);
    const first = await search(org, "q=quokka&take=2");
    const second = await search(org, "q=quokka&take=2&skip=2");
    expect(first.body.data.total).toBe(3);
    expect(second.body.data.total).toBe(3);
    expect([...first.body.data.results, ...second.body.data.results].map((r: any) => r.id)).toEqual(
      all.results.map((r: any) => r.id),
    );
    const findings = await search(org, "q=quokka&types=finding,playbook");
    expect(findings.body.data).toEqual({ results: [], total: 0 });
  });

  it("answers a query of stop words only with no results", async () => {
    const response = await search(org, "q=the");
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ results: [], total: 0 });
  });

  it("rejects a missing query, an unknown type and bad paging with 400", async () => {
    for (const query of ["", "q=", "q=x&types=emails", "q=x&take=101", "q=x&skip=-1"]) {
      const response = await search(org, query);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(response.body.error.code).toBe("VALIDATION_ERROR");
    }
  });
});
