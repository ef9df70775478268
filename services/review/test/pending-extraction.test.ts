import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { waitFor } from "@clment/testing";
import {
  ContractsClient,
  type ContractInfo,
  type ContractsPort,
  type ContractText,
} from "../src/clients/contracts.client.js";
import { EXTRACTION_WAIT_MS } from "../src/jobs/contract-text.js";
import { ReviewHarness, type TestOrganization } from "./support/harness.js";
import { MarkerProvider, MARKERS, markedText } from "./support/test-providers.js";
import { agreementText } from "./support/services-agreement.js";

/**
 * The region's contracts service, except that the contracts a test holds show their text as
 * still being extracted (as a large document queued behind others does) until it releases them,
 * or as failed.
 */
class HeldExtraction implements ContractsPort {
  inner: ContractsPort | undefined;
  private readonly held = new Map<string, "pending" | "failed">();
  /** How often each contract's text was asked for. */
  readonly textCalls = new Map<string, number>();

  hold(contractId: string, extraction: "pending" | "failed" = "pending"): void {
    this.held.set(contractId, extraction);
  }

  release(contractId: string): void {
    this.held.delete(contractId);
  }

  async contract(organizationId: string, contractId: string): Promise<ContractInfo | null> {
    const contract = await this.inner!.contract(organizationId, contractId);
    const extraction = this.held.get(contractId);
    if (!contract?.document || !extraction) return contract;
    return { ...contract, document: { ...contract.document, extraction } };
  }

  async text(organizationId: string, contractId: string): Promise<ContractText> {
    this.textCalls.set(contractId, (this.textCalls.get(contractId) ?? 0) + 1);
    const text = await this.inner!.text(organizationId, contractId);
    const extraction = this.held.get(contractId);
    return extraction ? { ...text, text: null, extraction } : text;
  }
}

const file = (filename: string, data: Buffer) => ({ filename, data, type: "text/plain" });

describe("work on a contract whose text is still being extracted", () => {
  let harness: ReviewHarness;
  let org: TestOrganization;
  const contracts = new HeldExtraction();
  const provider = new MarkerProvider();
  /** How far the conversion and redline jobs' clock is ahead of the real one. */
  let clockAhead = 0;

  beforeAll(async () => {
    harness = await ReviewHarness.start({
      contracts,
      provider,
      clock: () => new Date(Date.now() + clockAhead),
    });
    contracts.inner = new ContractsClient({
      baseUrl: harness.contractsService.url,
      tokens: harness.tokens,
    });
    org = await harness.newOrganization();
  });
  afterAll(() => harness?.close());

  /** Uploads a contract whose text then shows as still being extracted. */
  async function heldContract(name: string, data: Buffer): Promise<string> {
    const contractId = await harness.uploadContract(org, file(name, data));
    contracts.hold(contractId);
    return contractId;
  }

  it("waits for the text without using up attempts, then completes and charges once", async () => {
    const contractId = await heldContract("msa.txt", Buffer.from(agreementText()));
    const balance = await harness.balance(org);
    const review = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId: await harness.standardPlaybook(org) },
    });
    expect(review.status).toBe(202);
    const conversion = await harness.as(
      org.user,
      "POST",
      `/v1/contracts/${contractId}/conversions`,
      { body: { format: "txt" } },
    );
    expect(conversion.status).toBe(202);
    const reviewPath = `/v1/reviews/${review.body.data.review.id}`;
    const conversionPath = `/v1/conversions/${conversion.body.data.conversion.id}`;

    // Each job looked for the text more often than it has attempts (3), and still waits.
    const jobs = harness.servicesOf(0).app.queue;
    await waitFor(async () => (contracts.textCalls.get(contractId) ?? 0) >= 2 * 4, {
      timeoutMs: 30_000,
      message: "the jobs to look for the text several times",
    });
    const waiting = (await harness.as(org.user, "GET", reviewPath)).body.data.review;
    expect(waiting).toMatchObject({ status: "queued", attempts: 0 });
    const converting = (await harness.as(org.user, "GET", conversionPath)).body.data.conversion;
    expect(converting.status).toBe("queued");
    for (const [name, id] of [
      ["review", review.body.data.review.id],
      ["conversion", conversion.body.data.conversion.id],
    ] as const) {
      expect((await jobs.job(name, id))!.attemptsMade).toBe(0);
    }

    contracts.release(contractId);
    const reviewed = await harness.settled(org, reviewPath, "review");
    expect(reviewed).toMatchObject({ status: "completed", attempts: 1 });
    expect(reviewed.summary.total).toBeGreaterThan(0);
    const converted = await harness.settled(org, conversionPath, "conversion");
    expect(converted.status).toBe("completed");
    expect(await harness.balance(org)).toBe(balance - 10 - 1);
  });

  it("fails, saying why, and gives the credits back when the text is still not there after the longest wait", async () => {
    const contractId = await heldContract("late.txt", Buffer.from(agreementText()));
    const balance = await harness.balance(org);
    clockAhead = EXTRACTION_WAIT_MS + 60_000;
    try {
      const conversion = await harness.as(
        org.user,
        "POST",
        `/v1/contracts/${contractId}/conversions`,
        { body: { format: "pdf" } },
      );
      expect(conversion.status).toBe(202);
      const failed = await harness.settled(
        org,
        `/v1/conversions/${conversion.body.data.conversion.id}`,
        "conversion",
      );
      expect(failed.status).toBe("failed");
      expect(failed.error).toMatch(/still being extracted 30 minutes after the request/);
    } finally {
      clockAhead = 0;
    }
    expect(await harness.balance(org)).toBe(balance);
  });

  it("still refuses work on a contract whose text could not be extracted", async () => {
    const contractId = await harness.uploadContract(org, file("ok.txt", markedText("plain")));
    contracts.hold(contractId, "failed");
    const refused = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId: await harness.standardPlaybook(org) },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/could not be extracted/);
  });
});

describe("a review the model refuses", () => {
  let harness: ReviewHarness;
  const provider = new MarkerProvider();

  beforeAll(async () => {
    harness = await ReviewHarness.start({ provider });
  });
  afterAll(() => harness?.close());

  it("fails at once with the engine's reason and gives the credits back", async () => {
    const org = await harness.newOrganization();
    const balance = await harness.balance(org);
    const calls = provider.calls;
    const id = await harness.queueReview(org, file("refused.txt", markedText(MARKERS.refused)));
    const review = await harness.settled(org, `/v1/reviews/${id}`, "review");
    expect(review).toMatchObject({ status: "failed", attempts: 1 });
    expect(review.error).toBe(
      "The review engine could not review this contract: the model refused to review this contract",
    );
    expect(provider.calls - calls).toBe(1);
    expect(await harness.balance(org)).toBe(balance);
  });
});

describe("a job on its last attempt whose contract's text is still being extracted", () => {
  let harness: ReviewHarness;
  const contracts = new HeldExtraction();

  beforeAll(async () => {
    // One attempt only: every attempt is the last; waiting must still not fail the work.
    harness = await ReviewHarness.start({ contracts, settings: { jobAttempts: 1 } });
    contracts.inner = new ContractsClient({
      baseUrl: harness.contractsService.url,
      tokens: harness.tokens,
    });
  });
  afterAll(() => harness?.close());

  it("still waits for the text, then completes", async () => {
    const org = await harness.newOrganization();
    const contractId = await harness.uploadContract(
      org,
      file("msa.txt", Buffer.from(agreementText())),
    );
    contracts.hold(contractId);
    const review = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId: await harness.standardPlaybook(org) },
    });
    expect(review.status).toBe(202);
    await waitFor(async () => (contracts.textCalls.get(contractId) ?? 0) >= 3, {
      timeoutMs: 30_000,
      message: "the job to look for the text several times",
    });
    const path = `/v1/reviews/${review.body.data.review.id}`;
    expect((await harness.as(org.user, "GET", path)).body.data.review.status).toBe("queued");
    contracts.release(contractId);
    expect(await harness.settled(org, path, "review")).toMatchObject({ status: "completed" });
  });
});
