import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call, waitFor } from "@clment/testing";
import { agreementPdf } from "../../services/review/test/support/agreement.documents.js";
import { newApiKey, newOrganization, startTestRegion } from "../src/factories.js";
import type { RunningRegion } from "../src/region.js";

interface SearchResult {
  type: string;
  id: string;
  title: string;
  snippet: string;
  score: number;
  contractId?: string | null;
}

describe("workspace search of playbooks and findings through the gateway", () => {
  let region: RunningRegion;
  let key: string;
  let otherKey: string;
  let contractId: string;
  let playbookId: string;
  let finding: { id: string; clauseType: string };

  const api = (token: string, method: string, path: string, body?: unknown) =>
    call(region.url, method, path, { token, ...(body === undefined ? {} : { body }) });

  const search = async (token: string, query: string) => {
    const response = await api(token, "GET", `/v1/search?${query}`);
    expect(response.status).toBe(200);
    return response.body.data as { results: SearchResult[]; total: number };
  };

  beforeAll(async () => {
    region = await startTestRegion("e2e_search");
    const org = await newOrganization(region.url);
    key = (await newApiKey(region.url, org.owner.token)).secret;
    const other = await newOrganization(region.url);
    otherKey = (await newApiKey(region.url, other.owner.token)).secret;

    playbookId = await waitFor(
      async () => (await api(key, "GET", "/v1/playbooks")).body?.data?.playbooks?.[0]?.id as string,
      { timeoutMs: 20_000, message: "the built-in playbook" },
    );
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(await agreementPdf())]), "Services Agreement.pdf");
    const created = await fetch(`${region.url}/v1/contracts`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: form,
    });
    expect(created.status).toBe(201);
    contractId = ((await created.json()) as any).data.contract.id;
    await waitFor(
      async () =>
        (await api(key, "GET", `/v1/contracts/${contractId}`)).body?.data?.contract?.document
          ?.extraction === "completed",
      { timeoutMs: 20_000, message: "the document's text" },
    );

    const queued = await api(key, "POST", `/v1/contracts/${contractId}/reviews`, { playbookId });
    expect(queued.status).toBe(202);
    const reviewId = queued.body.data.review.id as string;
    const review = await waitFor(
      async () => {
        const current = (await api(key, "GET", `/v1/reviews/${reviewId}`)).body?.data?.review;
        return current?.status === "completed" || current?.status === "failed" ? current : null;
      },
      { timeoutMs: 30_000, message: "the review to finish" },
    );
    expect(review.status).toBe("completed");
    const findings = await api(key, "GET", `/v1/reviews/${reviewId}/findings?take=100`);
    finding = findings.body.data.findings.find(
      (f: { clauseType: string }) => f.clauseType === "payment_terms",
    );
    expect(finding).toBeDefined();
  });

  afterAll(async () => {
    await region?.close();
  });

  const playbookQuery = `q=${encodeURIComponent("Standard commercial playbook")}&types=playbook`;

  /** The finding as the first organization's search shows it, once it is indexed. */
  const indexedFinding = () =>
    waitFor(
      async () =>
        (await search(key, "q=payment%20terms&types=finding")).results.find(
          (r) => r.id === finding.id,
        ) ?? null,
      { timeoutMs: 20_000, message: "the finding in the search index" },
    );
  const indexedPlaybook = () =>
    waitFor(
      async () =>
        (await search(key, playbookQuery)).results.find((r) => r.id === playbookId) ?? null,
      { timeoutMs: 20_000, message: "the playbook in the search index" },
    );

  it("finds a finding of a completed review, with its contract", async () => {
    expect(await indexedFinding()).toMatchObject({ type: "finding", id: finding.id, contractId });
    const onlyFindings = await search(key, "q=payment%20terms&types=finding");
    expect(onlyFindings.results.every((r) => r.type === "finding")).toBe(true);
  });

  it("finds the standard playbook by name", async () => {
    expect(await indexedPlaybook()).toMatchObject({
      type: "playbook",
      id: playbookId,
      title: "Standard commercial playbook",
    });
  });

  it("never shows one organization's findings or playbooks to another", async () => {
    await indexedFinding();
    await indexedPlaybook();
    const findings = await search(otherKey, "q=payment%20terms&types=finding");
    expect(findings).toEqual({ results: [], total: 0 });
    const playbooks = await search(otherKey, playbookQuery);
    const ids = playbooks.results.map((r) => r.id);
    expect(ids).not.toContain(playbookId);
    expect(ids).not.toContain(finding.id);
    const everything = await search(otherKey, "q=payment");
    expect(everything.results.map((r) => r.id)).not.toContain(finding.id);
    expect(everything.results.map((r) => r.contractId ?? null)).not.toContain(contractId);
  });
});
