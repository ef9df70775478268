import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { strFromU8, unzipSync } from "fflate";
import mammoth from "mammoth";
import { PDFDocument } from "pdf-lib";
import { agreementDocx } from "./support/agreement.documents.js";
import { DOCX_TYPE, ReviewHarness, type TestOrganization } from "./support/harness.js";
import { MarkerProvider, MARKERS, markedText } from "./support/test-providers.js";

/** The text of a tracked change's runs, XML entities decoded. */
function runText(xml: string): string {
  return xml
    .replace(/<[^>]+>/g, "")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** A download: status, headers and the bytes. */
async function download(harness: ReviewHarness, org: TestOrganization, path: string) {
  const response = await fetch(harness.url + path, {
    headers: { "x-clment-identity": await harness.tokens.sign(org.user) },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}

describe("redlines and conversions", () => {
  let harness: ReviewHarness;
  let org: TestOrganization;
  let other: TestOrganization;
  let contractId: string;
  let reviewId: string;
  let text: string;

  beforeAll(async () => {
    harness = await ReviewHarness.start({ provider: new MarkerProvider() });
    [org, other] = await Promise.all([harness.newOrganization(), harness.newOrganization()]);
    contractId = await harness.uploadContract(org, {
      filename: "msa.docx",
      data: await agreementDocx({ governingLaw: "the State of Texas" }),
      type: DOCX_TYPE,
    });
    text = (
      await harness.as(org.user, "GET", `/v1/contracts/${contractId}/text`, {
        url: harness.contractsService.url,
      })
    ).body.data.text;
    const playbookId = (await harness.as(org.user, "GET", "/v1/playbooks")).body.data.playbooks[0]
      .id;
    const queued = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/reviews`, {
      body: { playbookId },
    });
    reviewId = (await harness.settled(org, `/v1/reviews/${queued.body.data.review.id}`, "review"))
      .id;
  });
  afterAll(() => harness?.close());

  it("builds a redline DOCX whose deviations are Word tracked changes, and charges for it once", async () => {
    const before = await harness.balance(org);
    const queued = await harness.as(org.user, "POST", `/v1/reviews/${reviewId}/redlines`);
    expect(queued.status).toBe(202);
    expect(queued.body.data.redline).toMatchObject({
      reviewId,
      contractId,
      status: "queued",
      document: null,
    });
    const redline = await harness.settled(
      org,
      `/v1/redlines/${queued.body.data.redline.id}`,
      "redline",
    );
    expect(redline).toMatchObject({
      status: "completed",
      changes: 3,
      credits: { amount: 5, charged: true },
      document: {
        filename: "Master Services Agreement (redline).docx",
        mimeType: DOCX_TYPE,
        size: expect.any(Number),
      },
    });
    expect(await harness.balance(org)).toBe(before - 5);

    const file = await download(harness, org, `/v1/redlines/${redline.id}/document`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe(DOCX_TYPE);
    expect(file.headers.get("content-disposition")).toContain("attachment;");
    expect(file.body.length).toBe(redline.document.size);

    const xml = strFromU8(unzipSync(new Uint8Array(file.body))["word/document.xml"]!);
    const deletions = [
      ...xml.matchAll(/<w:del w:id="\d+" w:author="Clment" w:date="[^"]+Z">(.*?)<\/w:del>/g),
    ].map((m) => runText(m[1]!));
    const insertions = [
      ...xml.matchAll(/<w:ins w:id="\d+" w:author="Clment" w:date="[^"]+Z">(.*?)<\/w:ins>/g),
    ].map((m) => runText(m[1]!));
    const findings = (
      await harness.as(org.user, "GET", `/v1/reviews/${reviewId}/findings?take=100`)
    ).body.data.findings;
    const law = findings.find((f: any) => f.clauseType === "governing_law");
    expect(deletions).toContain(law.excerpt);
    expect(insertions).toContain(law.suggestion);
    expect(deletions).toHaveLength(2);
    expect(insertions).toHaveLength(3);

    const accepted = (await mammoth.extractRawText({ buffer: file.body })).value;
    expect(accepted).toContain(law.suggestion);
    expect(accepted).not.toContain("State of Texas");
    expect(accepted).toContain(
      "14.1 Assignment. Neither party may assign or transfer this Agreement",
    );
  });

  it("needs a completed review (409), and never shows another organization's redline (404)", async () => {
    const broken = await harness.uploadContract(org, {
      filename: "broken.txt",
      data: markedText(MARKERS.broken),
      type: "text/plain",
    });
    const playbookId = (await harness.as(org.user, "GET", "/v1/playbooks")).body.data.playbooks[0]
      .id;
    const failed = await harness.as(org.user, "POST", `/v1/contracts/${broken}/reviews`, {
      body: { playbookId },
    });
    await harness.settled(org, `/v1/reviews/${failed.body.data.review.id}`, "review");
    const conflict = await harness.as(
      org.user,
      "POST",
      `/v1/reviews/${failed.body.data.review.id}/redlines`,
    );
    expect(conflict.status).toBe(409);

    const mine = await harness.as(org.user, "POST", `/v1/reviews/${reviewId}/redlines`);
    const redlineId = mine.body.data.redline.id;
    await harness.settled(org, `/v1/redlines/${redlineId}`, "redline");
    for (const path of [`/v1/redlines/${redlineId}`, `/v1/redlines/${redlineId}/document`]) {
      const response = await harness.as(other.user, "GET", path);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("NOT_FOUND");
    }
    expect((await harness.as(other.user, "POST", `/v1/reviews/${reviewId}/redlines`)).status).toBe(
      404,
    );
    expect((await harness.as(org.user, "GET", `/v1/redlines/${randomUUID()}`)).status).toBe(404);
  });

  it("converts the contract to text, DOCX and PDF, each charged once and downloadable", async () => {
    const before = await harness.balance(org);
    const results: Record<string, Buffer> = {};
    for (const format of ["txt", "docx", "pdf"]) {
      const queued = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/conversions`, {
        body: { format },
      });
      expect(queued.status).toBe(202);
      expect(queued.body.data.conversion).toMatchObject({ contractId, format, status: "queued" });
      const conversion = await harness.settled(
        org,
        `/v1/conversions/${queued.body.data.conversion.id}`,
        "conversion",
      );
      expect(conversion).toMatchObject({
        status: "completed",
        sourceVersion: 1,
        credits: { amount: 1, charged: true },
        document: { filename: `Master Services Agreement.${format}` },
      });
      const file = await download(harness, org, `/v1/conversions/${conversion.id}/document`);
      expect(file.status).toBe(200);
      expect(file.headers.get("content-type")).toContain(
        conversion.document.mimeType.split(";")[0],
      );
      results[format] = file.body;
    }
    expect(await harness.balance(org)).toBe(before - 3);
    expect(results.txt!.toString("utf8")).toBe(`${text}\n`);
    const paragraphs = (value: string) =>
      value
        .split(/\n+/)
        .map((p) => p.trim())
        .filter(Boolean);
    expect(paragraphs((await mammoth.extractRawText({ buffer: results.docx! })).value)).toEqual(
      paragraphs(text),
    );
    expect((await PDFDocument.load(results.pdf!)).getPageCount()).toBeGreaterThanOrEqual(5);
  });

  it("validates the format (400), needs a document (409) and keeps conversions per organization (404)", async () => {
    const bad = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/conversions`, {
      body: { format: "rtf" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("body.format");
    const empty = await harness.createContractWithoutDocument(org);
    const noDocument = await harness.as(org.user, "POST", `/v1/contracts/${empty}/conversions`, {
      body: { format: "pdf" },
    });
    expect(noDocument.status).toBe(409);
    const theirs = await harness.as(other.user, "POST", `/v1/contracts/${contractId}/conversions`, {
      body: { format: "pdf" },
    });
    expect(theirs.status).toBe(404);
    const mine = await harness.as(org.user, "POST", `/v1/contracts/${contractId}/conversions`, {
      body: { format: "txt" },
    });
    const id = mine.body.data.conversion.id;
    await harness.settled(org, `/v1/conversions/${id}`, "conversion");
    for (const path of [`/v1/conversions/${id}`, `/v1/conversions/${id}/document`]) {
      expect((await harness.as(other.user, "GET", path)).status).toBe(404);
    }
  });
});
