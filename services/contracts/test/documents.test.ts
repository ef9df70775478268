import { createHash } from "node:crypto";
import http from "node:http";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { waitFor } from "@clment/testing";
import { makeDocx, makePdf, makePng } from "./documents.fixtures.js";
import { ContractsHarness, type TestOrg } from "./harness.js";

const PAGE_TWO_PHRASE = "zebra lantern harmony";
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

let harness: ContractsHarness;
let org: TestOrg;
let pdf: Uint8Array;

beforeAll(async () => {
  harness = await ContractsHarness.start();
  org = harness.newOrg();
  pdf = await makePdf([
    ["MASTER SERVICES AGREEMENT", "between Acme Corp and Globex Inc."],
    [
      `The secret phrase of page two is ${PAGE_TWO_PHRASE}.`,
      "This Agreement expires on March 31, 2027.",
    ],
  ]);
});

afterAll(async () => {
  await harness?.close();
});

/** Sends a multipart upload of `size` bytes of a PDF-looking stream, chunk by chunk. */
function streamUpload(
  url: string,
  headers: Record<string, string>,
  size: number,
): Promise<{ status: number; body: string; sentBytes: number }> {
  return new Promise((resolve, reject) => {
    const boundary = "clment-test-boundary";
    const req = http.request(url, {
      method: "POST",
      headers: { ...headers, "content-type": `multipart/form-data; boundary=${boundary}` },
    });
    let sent = 0;
    req.on("response", (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, sentBytes: sent }));
      res.on("error", reject);
    });
    // Writing after the server answered and closed is expected; the answer is what counts.
    req.on("error", () => undefined);
    req.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n` +
        `Content-Type: application/pdf\r\n\r\n%PDF-1.4\n`,
    );
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      req.end(`\r\n--${boundary}--\r\n`);
    };
    pump();
  });
}

describe("documents", () => {
  it("creates a contract from a PDF upload, extracts its text and finds a phrase from page 2", async () => {
    const created = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "Acme MSA.pdf",
      data: pdf,
    });
    expect(created.status).toBe(201);
    const contract = created.body.data.contract;
    expect(contract.title).toBe("Acme MSA.pdf");
    expect(contract.status).toBe("draft");
    expect(contract.document).toMatchObject({
      filename: "Acme MSA.pdf",
      mimeType: "application/pdf",
      size: pdf.length,
      sha256: sha256(pdf),
      version: 1,
      extraction: "completed",
    });

    const text = await harness.call(org, "GET", `/v1/contracts/${contract.id}/text`);
    expect(text.status).toBe(200);
    expect(text.body.data.text).toContain("MASTER SERVICES AGREEMENT");
    expect(text.body.data.text).toContain(PAGE_TWO_PHRASE);

    const found = await waitFor(
      async () => {
        const search = await harness.call(
          org,
          "GET",
          `/v1/search?q=${encodeURIComponent(PAGE_TWO_PHRASE)}`,
        );
        return search.body?.data?.total > 0 ? search : undefined;
      },
      { timeoutMs: 20_000, message: "the search index to have the document" },
    );
    expect(found.body.data.results[0]).toMatchObject({
      type: "contract",
      id: contract.id,
      contractId: contract.id,
      title: "Acme MSA.pdf",
    });
    expect(found.body.data.results[0].snippet).toContain("zebra lantern harmony");
    expect(found.body.data.results[0].score).toBeGreaterThan(0);

    const events = await harness.events("document.uploaded");
    expect(events.some((e) => e.payload.contractId === contract.id)).toBe(true);
  });

  it("creates a contract from a DOCX with form fields, and takes the title and tags from them", async () => {
    const docx = await makeDocx([
      "SOFTWARE LICENSE AGREEMENT",
      "The licensee shall pay the fees for the quantum pineapple module.",
    ]);
    const created = await harness.upload(
      org,
      "POST",
      "/v1/contracts",
      { filename: "license.docx", data: docx, type: "application/octet-stream" },
      { title: "License", counterparty: "Initech", status: "active", tags: ["software", "vendor"] },
    );
    expect(created.status).toBe(201);
    const contract = created.body.data.contract;
    expect(contract).toMatchObject({
      title: "License",
      counterparty: "Initech",
      status: "active",
      tags: ["software", "vendor"],
    });
    expect(contract.document.mimeType).toBe(
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    );
    const text = await harness.call(org, "GET", `/v1/contracts/${contract.id}/text`);
    expect(text.body.data.text).toContain("quantum pineapple module");
  });

  it("accepts plain UTF-8 text and serves it back as text/plain", async () => {
    const data = new TextEncoder().encode("Schöne Grüße — a plain text contract.\n");
    const created = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "notes.bin",
      data,
      type: "application/pdf",
    });
    expect(created.status).toBe(201);
    expect(created.body.data.contract.document.mimeType).toBe("text/plain");
    const download = await harness.download(
      org,
      `/v1/contracts/${created.body.data.contract.id}/document`,
    );
    expect(download.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(Buffer.compare(download.bytes, Buffer.from(data))).toBe(0);
  });

  it("refuses a PNG renamed .pdf with 415, whatever the client claims", async () => {
    const response = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "contract.pdf",
      data: makePng(),
      type: "application/pdf",
    });
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("refuses binary data that is neither PDF, DOCX nor UTF-8 text with 415", async () => {
    const response = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "data.txt",
      data: Uint8Array.from([0x00, 0xff, 0xfe, 0x01, 0x80, 0x81, 0x00, 0x02]),
    });
    expect(response.status).toBe(415);
  });

  it("answers a corrupt PDF with 400 and a clear message, never 500", async () => {
    const response = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "broken.pdf",
      data: new TextEncoder().encode("%PDF-1.7\nthis is not really a pdf at all\n%%EOF"),
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("VALIDATION_ERROR");
    expect(response.body.error.message).toMatch(/PDF/);
  });

  it("answers a corrupt DOCX (a truncated zip) with 400", async () => {
    const docx = await makeDocx(["Some text"]);
    const response = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "broken.docx",
      data: docx.slice(0, Math.floor(docx.length / 2)),
    });
    expect([400, 415]).toContain(response.status);
    expect(response.status).not.toBe(500);
  });

  it("answers an empty file with 400", async () => {
    const response = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "empty.pdf",
      data: new Uint8Array(0),
    });
    expect(response.status).toBe(400);
  });

  it("cuts a 26 MiB upload off with 413 as soon as it passes 25 MiB, and keeps nothing", async () => {
    const before = await harness.db.selectFrom("contracts").select("id").execute();
    const result = await streamUpload(
      `${harness.url}/v1/contracts`,
      await harness.headers(org),
      26 * 1024 * 1024,
    );
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body).error.code).toBe("PAYLOAD_TOO_LARGE");
    const after = await harness.db.selectFrom("contracts").select("id").execute();
    expect(after).toHaveLength(before.length);
    // The staged part was removed.
    await waitFor(
      async () => (await readdir(join(harness.dataDir, "contracts", "staging"))).length === 0,
      {
        message: "the staging directory to be empty",
      },
    );
  });

  it("answers 413 at once when the declared length is over the limit", async () => {
    const response = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "huge.pdf",
      data: new Uint8Array(27 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("adds versions with PUT, lists them newest first and serves the current bytes", async () => {
    const contract = await harness.createContract(org, { title: "Versioned" });
    expect(contract.document).toBeNull();
    const noDocument = await harness.call(org, "GET", `/v1/contracts/${contract.id}/document`);
    expect(noDocument.status).toBe(404);

    const first = await harness.upload(org, "PUT", `/v1/contracts/${contract.id}/document`, {
      filename: "v1.pdf",
      data: pdf,
    });
    expect(first.status).toBe(201);
    expect(first.body.data.version.version).toBe(1);
    const second = new TextEncoder().encode("Version two, as plain text.");
    const updated = await harness.upload(org, "PUT", `/v1/contracts/${contract.id}/document`, {
      filename: "v2.txt",
      data: second,
    });
    expect(updated.status).toBe(201);
    expect(updated.body.data.contract.document).toMatchObject({ version: 2, filename: "v2.txt" });

    const versions = await harness.call(org, "GET", `/v1/contracts/${contract.id}/versions`);
    expect(versions.status).toBe(200);
    expect(versions.body.data.total).toBe(2);
    expect(versions.body.data.versions.map((v: any) => v.version)).toEqual([2, 1]);
    const oldestFirst = await harness.call(
      org,
      "GET",
      `/v1/contracts/${contract.id}/versions?sort=version`,
    );
    expect(oldestFirst.body.data.versions.map((v: any) => v.version)).toEqual([1, 2]);
    const unknown = await harness.call(org, "GET", `/v1/contracts/${contract.id}/versions?limit=1`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("VALIDATION_ERROR");
    expect(JSON.stringify(unknown.body.error.details)).toContain("limit");
    expect(versions.body.data.versions[1]).toMatchObject({
      filename: "v1.pdf",
      sha256: sha256(pdf),
    });

    const download = await harness.download(org, `/v1/contracts/${contract.id}/document`);
    expect(download.status).toBe(200);
    expect(sha256(download.bytes)).toBe(sha256(second));
    const text = await harness.call(org, "GET", `/v1/contracts/${contract.id}/text`);
    expect(text.body.data.text).toBe("Version two, as plain text.");
  });

  it("serves the original bytes of a PDF with its type and a safe Content-Disposition", async () => {
    const created = await harness.upload(org, "POST", "/v1/contracts", {
      filename: 'Vertrag "März"\r\nX-Evil: 1.pdf',
      data: pdf,
    });
    expect(created.status).toBe(201);
    expect(created.body.data.contract.document.filename).toBe('Vertrag "März"X-Evil: 1.pdf');
    const download = await harness.download(
      org,
      `/v1/contracts/${created.body.data.contract.id}/document`,
    );
    expect(download.status).toBe(200);
    expect(Buffer.compare(download.bytes, Buffer.from(pdf))).toBe(0);
    expect(download.headers.get("content-type")).toBe("application/pdf");
    expect(download.headers.get("x-evil")).toBeNull();
    const disposition = download.headers.get("content-disposition")!;
    expect(disposition).toMatch(/^attachment; filename="[^"\r\n]*"; filename\*=UTF-8''/);
    expect(disposition).toContain("M%C3%A4rz");
  });

  it("refuses a PUT without a file part with 400", async () => {
    const contract = await harness.createContract(org);
    const response = await harness.upload(
      org,
      "PUT",
      `/v1/contracts/${contract.id}/document`,
      null,
      {
        title: "no file",
      },
    );
    expect(response.status).toBe(400);
  });

  it("extracts large documents in a job and shows the extraction state meanwhile", async () => {
    const small = await ContractsHarness.start({ settings: { inlineExtractionMaxBytes: 10 } });
    try {
      const other = small.newOrg();
      const created = await small.upload(other, "POST", "/v1/contracts", {
        filename: "queued.pdf",
        data: pdf,
      });
      expect(created.status).toBe(201);
      const contract = created.body.data.contract;
      expect(contract.document.extraction).toBe("pending");
      const done = await waitFor(
        async () => {
          const response = await small.call(other, "GET", `/v1/contracts/${contract.id}`);
          return response.body.data.contract.document.extraction === "completed"
            ? response
            : undefined;
        },
        { timeoutMs: 20_000, message: "extraction in the job" },
      );
      expect(done.body.data.contract.document.extraction).toBe("completed");
      const text = await small.call(other, "GET", `/v1/contracts/${contract.id}/text`);
      expect(text.body.data.text).toContain(PAGE_TWO_PHRASE);
      // The dates of the document are offered as key dates once the text is there.
      const keyDates = await small.call(other, "GET", `/v1/key-dates?contractId=${contract.id}`);
      expect(keyDates.body.data.keyDates).toEqual([
        expect.objectContaining({
          kind: "expiration",
          date: "2027-03-31",
          source: "extracted",
          status: "suggested",
        }),
      ]);
    } finally {
      await small.close();
    }
  });

  it("keeps another organization's documents out of reach (404 on every document route)", async () => {
    const created = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "mine.pdf",
      data: pdf,
    });
    const id = created.body.data.contract.id;
    const intruder = harness.newOrg();
    for (const [method, path] of [
      ["GET", `/v1/contracts/${id}/document`],
      ["GET", `/v1/contracts/${id}/text`],
      ["GET", `/v1/contracts/${id}/versions`],
    ] as const) {
      const response = await harness.call(intruder, method, path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
    const put = await harness.upload(intruder, "PUT", `/v1/contracts/${id}/document`, {
      filename: "overwrite.txt",
      data: new TextEncoder().encode("mine now"),
    });
    expect(put.status).toBe(404);
    const versions = await harness.call(org, "GET", `/v1/contracts/${id}/versions`);
    expect(versions.body.data.total).toBe(1);
  });
});
