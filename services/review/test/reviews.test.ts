import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { agreementDocx, agreementPdf } from "./support/agreement.documents.js";
import { DOCX_TYPE, ReviewHarness, type TestOrganization } from "./support/harness.js";
import { DEFAULT_EXPECTED } from "./support/services-agreement.js";

describe("reviews", () => {
  let harness: ReviewHarness;
  let org: TestOrganization;
  let playbookId: string;

  beforeAll(async () => {
    harness = await ReviewHarness.start();
    org = await harness.newOrganization();
    const list = await harness.as(org.user, "GET", "/v1/playbooks");
    playbookId = list.body.data.playbooks[0].id;
  });
  afterAll(() => harness?.close());

  async function review(of: TestOrganization, contractId: string, playbook = playbookId) {
    const queued = await harness.as(of.user, "POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId: playbook },
    });
    expect(queued.status).toBe(202);
    return queued.body.data.review;
  }

  async function statusesOf(of: TestOrganization, reviewId: string) {
    const findings = await harness.as(of.user, "GET", `/v1/reviews/${reviewId}/findings?take=100`);
    expect(findings.status).toBe(200);
    return Object.fromEntries(
      findings.body.data.findings.map((f: any) => [f.clauseType, f.status]),
    );
  }

  it("reviews a services agreement uploaded as DOCX: queued, then completed with the expected status per rule, charged once", async () => {
    const before = await harness.balance(org);
    const contractId = await harness.uploadContract(org, {
      filename: "msa.docx",
      data: await agreementDocx(),
      type: DOCX_TYPE,
    });
    const queued = await review(org, contractId);
    expect(queued).toMatchObject({
      contractId,
      playbookId,
      status: "queued",
      summary: null,
      provider: "builtin",
    });
    const done = await harness.settled(org, `/v1/reviews/${queued.id}`, "review");
    expect(done).toMatchObject({
      status: "completed",
      documentVersion: 1,
      credits: { amount: 10, charged: true, released: false },
      summary: {
        total: 12,
        byStatus: { compliant: 10, deviation: 1, missing: 1 },
        bySeverity: {
          high: { compliant: 4, deviation: 0, missing: 1 },
          medium: { compliant: 4, deviation: 1, missing: 0 },
          low: { compliant: 2, deviation: 0, missing: 0 },
        },
      },
    });
    expect(await statusesOf(org, queued.id)).toEqual(DEFAULT_EXPECTED);
    // In the document's order by default; by severity when asked (high first with `-severity`).
    const listed = async (query: string) => {
      const response = await harness.as(
        org.user,
        "GET",
        `/v1/reviews/${queued.id}/findings?take=100${query}`,
      );
      expect(response.status).toBe(200);
      return response.body.data.findings as {
        severity: string;
        location: { start: number } | null;
      }[];
    };
    const rank = { high: 2, medium: 1, low: 0 } as Record<string, number>;
    const bySeverity = (await listed("&sort=-severity")).map((f) => rank[f.severity]!);
    expect(bySeverity).toEqual([...bySeverity].sort((a, b) => b - a));
    expect(new Set(bySeverity).size).toBe(3);
    const reversed = await listed("&sort=-position");
    expect(reversed.map((f) => f.location)).toEqual(
      (await listed("")).map((f) => f.location).reverse(),
    );
    const unknown = await harness.as(
      org.user,
      "GET",
      `/v1/reviews/${queued.id}/findings?order=asc`,
    );
    expect(unknown.status).toBe(400);
    expect(await harness.balance(org)).toBe(before - 10);
    const captures = (await harness.ledger(org)).filter(
      (e) => e.kind === "capture" && e.resourceId === queued.id,
    );
    expect(captures).toHaveLength(1);
  });

  it("gives the same statuses for the agreement uploaded as a PDF, and findings point into its extracted text", async () => {
    const contractId = await harness.uploadContract(org, {
      filename: "msa.pdf",
      data: await agreementPdf(),
      type: "application/pdf",
    });
    const queued = await review(org, contractId);
    await harness.settled(org, `/v1/reviews/${queued.id}`, "review");
    expect(await statusesOf(org, queued.id)).toEqual(DEFAULT_EXPECTED);
    const text = (
      await harness.as(org.user, "GET", `/v1/contracts/${contractId}/text`, {
        url: harness.contractsService.url,
      })
    ).body.data.text as string;
    const findings = (
      await harness.as(org.user, "GET", `/v1/reviews/${queued.id}/findings?take=100`)
    ).body.data.findings;
    for (const finding of findings) {
      expect(finding).toMatchObject({
        id: expect.any(String),
        ruleId: expect.any(String),
        severity: expect.stringMatching(/^(high|medium|low)$/),
        explanation: expect.any(String),
      });
      const located = text.slice(finding.location.start, finding.location.end);
      expect(located.replace(/\s+/g, " ").trim()).toBe(finding.excerpt.replace(/\s+/g, " "));
    }
    const payment = findings.find((f: any) => f.clauseType === "payment_terms");
    expect(payment.status).toBe("deviation");
    expect(payment.excerpt).toMatch(/sixty \(60\)\s+days/);
    expect(payment.suggestion).toContain("thirty (30) days");
  });

  it("flips exactly the governing-law finding when only that clause changes", async () => {
    const contractId = await harness.uploadContract(org, {
      filename: "msa-texas.docx",
      data: await agreementDocx({ governingLaw: "the State of Texas" }),
      type: DOCX_TYPE,
    });
    const queued = await review(org, contractId);
    await harness.settled(org, `/v1/reviews/${queued.id}`, "review");
    expect(await statusesOf(org, queued.id)).toEqual({
      ...DEFAULT_EXPECTED,
      governing_law: "deviation",
    });
    const law = (
      await harness.as(
        org.user,
        "GET",
        `/v1/reviews/${queued.id}/findings?status=deviation&severity=medium`,
      )
    ).body.data;
    expect(law.total).toBe(2);
    expect(law.findings.map((f: any) => f.clauseType).sort()).toEqual([
      "governing_law",
      "payment_terms",
    ]);
    expect(law.findings.find((f: any) => f.clauseType === "governing_law").explanation).toContain(
      "Texas",
    );
  });

  it("lists reviews with filters and bounds", async () => {
    const all = await harness.as(org.user, "GET", "/v1/reviews?take=100");
    expect(all.body.data.total).toBeGreaterThanOrEqual(3);
    const contractId = all.body.data.reviews[0].contractId;
    const byContract = await harness.as(org.user, "GET", `/v1/reviews?contractId=${contractId}`);
    expect(byContract.body.data.reviews.every((r: any) => r.contractId === contractId)).toBe(true);
    const completed = await harness.as(org.user, "GET", "/v1/reviews?status=completed");
    expect(completed.body.data.total).toBe(all.body.data.total);
    expect((await harness.as(org.user, "GET", "/v1/reviews?status=failed")).body.data.total).toBe(
      0,
    );
    expect((await harness.as(org.user, "GET", "/v1/reviews?status=done")).status).toBe(400);
    expect((await harness.as(org.user, "GET", "/v1/reviews?take=101")).status).toBe(400);
    expect((await harness.as(org.user, "GET", "/v1/reviews?contractId=nope")).status).toBe(400);
    const firstPage = await harness.as(org.user, "GET", "/v1/reviews?take=1");
    const secondPage = await harness.as(org.user, "GET", "/v1/reviews?take=1&skip=1");
    expect(firstPage.body.data.reviews[0].id).not.toBe(secondPage.body.data.reviews[0].id);
  });

  it("answers 409 for a contract without a document, and charges nothing", async () => {
    const before = await harness.balance(org);
    const contractId = await harness.createContractWithoutDocument(org);
    const response = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId },
    });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe("CONFLICT");
    expect(await harness.balance(org)).toBe(before);
  });

  it("answers 404 for an unknown contract or playbook and 400 for a bad body", async () => {
    const contractId = (await harness.as(org.user, "GET", "/v1/reviews")).body.data.reviews[0]
      .contractId;
    const unknownContract = await harness.as(
      org.user,
      "POST",
      `/v1/contracts/${randomUUID()}/reviews`,
      {
        body: { playbookId },
      },
    );
    expect(unknownContract.status).toBe(404);
    const unknownPlaybook = await harness.as(
      org.user,
      "POST",
      `/v1/contracts/${contractId}/reviews`,
      {
        body: { playbookId: randomUUID() },
      },
    );
    expect(unknownPlaybook.status).toBe(404);
    const bad = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId: "standard" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("body.playbookId");
    const missing = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/reviews`, {
      body: {},
    });
    expect(missing.status).toBe(400);
  });

  it("never shows another organization's reviews or findings (404), nor reviews its contracts", async () => {
    const other = await harness.newOrganization();
    const mine = (await harness.as(org.user, "GET", "/v1/reviews")).body.data.reviews[0];
    for (const path of [`/v1/reviews/${mine.id}`, `/v1/reviews/${mine.id}/findings`]) {
      const response = await harness.as(other.user, "GET", path);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("NOT_FOUND");
    }
    expect((await harness.as(other.user, "GET", "/v1/reviews")).body.data.total).toBe(0);
    const otherPlaybook = (await harness.as(other.user, "GET", "/v1/playbooks")).body.data
      .playbooks[0].id;
    const theirs = await harness.as(
      other.user,
      "POST",
      `/v1/contracts/${mine.contractId}/reviews`,
      {
        body: { playbookId: otherPlaybook },
      },
    );
    expect(theirs.status).toBe(404);
    const withMyPlaybook = await harness.as(
      other.user,
      "POST",
      `/v1/contracts/${mine.contractId}/reviews`,
      {
        body: { playbookId },
      },
    );
    expect(withMyPlaybook.status).toBe(404);
    expect((await harness.as(org.user, "GET", "/v1/reviews/not-a-uuid")).status).toBe(404);
  });
});
