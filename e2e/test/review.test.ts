import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call, waitFor } from "@clment/testing";
import {
  acceptedText,
  agreementPdf,
} from "../../services/review/test/support/agreement.documents.js";
import { DEFAULT_EXPECTED } from "../../services/review/test/support/services-agreement.js";
import {
  newApiKey,
  newOrganization,
  startTestRegion,
  type NewOrganization,
} from "../src/factories.js";
import type { RunningRegion } from "../src/region.js";

describe("reviews, redlines and conversions through the gateway", () => {
  let region: RunningRegion;
  let org: NewOrganization;
  let key: string;
  let contractId: string;
  let playbookId: string;

  const api = (
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ) => call(region.url, method, path, { token: key, ...options });

  async function finished(path: string, name: string) {
    return waitFor(
      async () => {
        const resource = (await api("GET", path)).body?.data?.[name];
        if (resource?.status === "completed" && resource.credits.charged) return resource;
        if (resource?.status === "failed") return resource;
        return null;
      },
      { timeoutMs: 30_000, message: `${path} to finish` },
    );
  }

  beforeAll(async () => {
    region = await startTestRegion("e2e_review");
    org = await newOrganization(region.url);
    key = (await newApiKey(region.url, org.owner.token)).secret;
    playbookId = await waitFor(
      async () => (await api("GET", "/v1/playbooks")).body?.data?.playbooks?.[0]?.id as string,
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
        (await api("GET", `/v1/contracts/${contractId}`)).body?.data?.contract?.document
          ?.extraction === "completed",
      { timeoutMs: 20_000, message: "the document's text" },
    );
  });

  afterAll(async () => {
    await region?.close();
  });

  it("gives a new organization the standard playbook and the clause-type catalogue", async () => {
    const playbooks = await api("GET", "/v1/playbooks");
    expect(playbooks.body.data).toMatchObject({
      total: 1,
      playbooks: [{ name: "Standard commercial playbook", builtIn: true }],
    });
    const catalogue = await api("GET", "/v1/playbooks/clause-types");
    expect(catalogue.body.data.clauseTypes).toHaveLength(12);
    const readOnly = await api("PATCH", `/v1/playbooks/${playbookId}`, { body: { name: "x" } });
    expect(readOnly.status).toBe(409);
  });

  it("reviews an uploaded PDF with an API key: 202 queued, then completed and charged once, also when retried with the same Idempotency-Key", async () => {
    const credits = (await api("GET", "/v1/credits")).body.data;
    const headers = { "Idempotency-Key": randomUUID() };
    const first = await api("POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId },
      headers,
    });
    expect(first.status).toBe(202);
    expect(first.body.data.review.status).toBe("queued");
    const retry = await api("POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId },
      headers,
    });
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body.data.review.id).toBe(first.body.data.review.id);

    const review = await finished(`/v1/reviews/${first.body.data.review.id}`, "review");
    expect(review.status).toBe("completed");
    const findings = await api("GET", `/v1/reviews/${review.id}/findings?take=100`);
    expect(
      Object.fromEntries(findings.body.data.findings.map((f: any) => [f.clauseType, f.status])),
    ).toEqual(DEFAULT_EXPECTED);
    const after = (await api("GET", "/v1/credits")).body.data;
    expect(after.balance.total).toBe(credits.balance.total - credits.pricing.review);
    expect((await api("GET", `/v1/reviews?contractId=${contractId}`)).body.data.total).toBe(1);
  });

  it("makes a redline DOCX of tracked changes and converts the contract, each metered", async () => {
    const review = (await api("GET", `/v1/reviews?contractId=${contractId}`)).body.data.reviews[0];
    const queued = await api("POST", `/v1/reviews/${review.id}/redlines`);
    expect(queued.status).toBe(202);
    const redline = await finished(`/v1/redlines/${queued.body.data.redline.id}`, "redline");
    expect(redline).toMatchObject({ status: "completed", changes: 2 });
    const file = await fetch(`${region.url}/v1/redlines/${redline.id}/document`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(file.status).toBe(200);
    const docx = Buffer.from(await file.arrayBuffer());
    const accepted = await acceptedText(docx);
    expect(accepted).toContain("within thirty (30) days of the invoice date");
    expect(accepted).not.toContain("within sixty (60) days of the invoice date");

    const conversion = await api("POST", `/v1/contracts/${contractId}/conversions`, {
      body: { format: "txt" },
    });
    expect(conversion.status).toBe(202);
    const done = await finished(
      `/v1/conversions/${conversion.body.data.conversion.id}`,
      "conversion",
    );
    const text = await fetch(`${region.url}/v1/conversions/${done.id}/document`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(await text.text()).toContain("MASTER SERVICES AGREEMENT");
  });

  it("keeps another organization's reviews, findings and redlines out of reach (404)", async () => {
    const other = await newOrganization(region.url);
    const review = (await api("GET", "/v1/reviews")).body.data.reviews[0];
    for (const path of [`/v1/reviews/${review.id}`, `/v1/reviews/${review.id}/findings`]) {
      const response = await call(region.url, "GET", path, { token: other.owner.token });
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("NOT_FOUND");
    }
    const redline = await call(region.url, "POST", `/v1/reviews/${review.id}/redlines`, {
      token: other.owner.token,
    });
    expect(redline.status).toBe(404);
  });
});
