import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { MAX_DOCX_INFLATED_BYTES } from "../src/domain/docx.archive.js";
import { makePdf } from "./documents.fixtures.js";
import { ContractsHarness, type TestOrg } from "./harness.js";
import { documentXml, makeRawDocx } from "./zip.fixtures.js";

let harness: ContractsHarness;
let org: TestOrg;

beforeAll(async () => {
  harness = await ContractsHarness.start();
  org = harness.newOrg();
});

afterAll(async () => {
  await harness?.close();
});

/** The service still answers, and still reads documents. */
async function expectServiceAnswers(): Promise<void> {
  const list = await harness.call(org, "GET", "/v1/contracts");
  expect(list.status).toBe(200);
  const created = await harness.upload(org, "POST", "/v1/contracts", {
    filename: "after.pdf",
    data: await makePdf([["Still reading documents"]]),
  });
  expect(created.status).toBe(201);
  expect(created.body.data.contract.document.extraction).toBe("completed");
}

describe("hostile and unusual documents", () => {
  it("refuses a DOCX bomb (500 KiB that inflates to 512 MiB) with 400 during the upload, and keeps answering", async () => {
    const bomb = await makeRawDocx(documentXml(["A harmless looking agreement"]), [
      { name: "word/styles.xml", run: { byte: 0x20, size: 512 * 1024 * 1024 } },
    ]);
    // Small enough for the text to be extracted during the upload, were it accepted.
    expect(bomb.length).toBeLessThan(512 * 1024);
    const response = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "bomb.docx",
      data: bomb,
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: "VALIDATION_ERROR",
      message: "The DOCX file is too large once decompressed",
    });
    await expectServiceAnswers();
  });

  it("refuses a DOCX whose zip headers understate how far a part inflates with 400", async () => {
    const liar = await makeRawDocx(documentXml(["x"]), [
      {
        name: "word/numbering.xml",
        run: { byte: 0x20, size: MAX_DOCX_INFLATED_BYTES + 1024 * 1024 },
        declaredSize: 100,
      },
    ]);
    const response = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "liar.docx",
      data: liar,
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("VALIDATION_ERROR");
    await expectServiceAnswers();
  });

  it("accepts a DOCX whose parts stay under the limit and extracts its text", async () => {
    // An uncompressed bitmap inflates a thousandfold too, within reason.
    const docx = await makeRawDocx(documentXml(["GIFT AGREEMENT", "Clause one."]), [
      { name: "word/media/image1.bmp", run: { byte: 0x00, size: 8 * 1024 * 1024 } },
    ]);
    const created = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "fine.docx",
      data: docx,
    });
    expect(created.status).toBe(201);
    expect(created.body.data.contract.document.extraction).toBe("completed");
    const text = await harness.call(
      org,
      "GET",
      `/v1/contracts/${created.body.data.contract.id}/text`,
    );
    expect(text.body.data.text).toBe("GIFT AGREEMENT\n\nClause one.");
  });

  // Text whose first bytes are another format's magic number ("GIF", "BM", "MZ", "%!", "ID3",
  // "BEGIN:"): a sniffer names that format, yet the file is a plain UTF-8 contract.
  it.each([
    "GIFT AGREEMENT between the donor and the recipient.",
    "BMW Supply Agreement, effective January 1, 2027.",
    "MZ Holdings Ltd. - Non-Disclosure Agreement",
    "%! Draft lease, do not sign",
    "ID3 Consulting Services Agreement",
    "BEGIN: Master Services Agreement",
  ])("accepts the plain-text contract %p as text", async (first) => {
    const body = `${first}\nThe parties agree as follows.\n`;
    const created = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "contract.txt",
      data: new TextEncoder().encode(body),
    });
    expect(created.status).toBe(201);
    expect(created.body.data.contract.document).toMatchObject({
      mimeType: "text/plain",
      extraction: "completed",
    });
    const text = await harness.call(
      org,
      "GET",
      `/v1/contracts/${created.body.data.contract.id}/text`,
    );
    expect(text.body.data.text).toBe(body);
  });

  it("still refuses a real GIF with 415", async () => {
    // GIF89a, a 1x1 logical screen and a colour table: binary bytes after the signature.
    const gif = Uint8Array.from([
      0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
      0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
      0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
    ]);
    const response = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "contract.txt",
      data: gif,
    });
    expect(response.status).toBe(415);
    expect(response.body.error).toMatchObject({
      code: "UNSUPPORTED_MEDIA_TYPE",
      message: expect.stringContaining("GIF"),
    });
  });
});
