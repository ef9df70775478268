import { afterAll, describe, expect, it } from "@jest/globals";
import { MAX_DOCX_INFLATED_BYTES } from "../src/domain/docx.archive.js";
import { MAX_PDF_PAGES } from "../src/domain/document.readers.js";
import {
  DEFAULT_EXTRACTION_LIMITS,
  ExtractionPool,
  TOO_LARGE,
  TOO_SLOW,
} from "../src/domain/extraction.pool.js";
import { extractText, UnreadableDocumentError } from "../src/domain/text-extraction.js";
import { makePdf } from "./documents.fixtures.js";
import { documentXml, makeRawDocx } from "./zip.fixtures.js";

const pools: ExtractionPool[] = [];
function pool(limits: Partial<typeof DEFAULT_EXTRACTION_LIMITS>): ExtractionPool {
  const created = new ExtractionPool({ ...DEFAULT_EXTRACTION_LIMITS, threads: 1, ...limits });
  pools.push(created);
  return created;
}

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error("expected a rejection"),
    (error: unknown) => error,
  );
}

describe("text extraction in worker threads", () => {
  it("extracts a PDF's and a DOCX's text in a worker", async () => {
    const pdf = await makePdf([["MASTER SERVICES AGREEMENT"], ["page two"]]);
    expect(await extractText("pdf", Buffer.from(pdf))).toBe(
      "MASTER SERVICES AGREEMENT\n\npage two",
    );
    const docx = await makeRawDocx(documentXml(["GIFT AGREEMENT", "between A and B"]));
    expect(await extractText("docx", docx)).toBe("GIFT AGREEMENT\n\nbetween A and B");
  });

  it("fails a DOCX whose parts inflate far past the limit, as unreadable, before mammoth reads it", async () => {
    // 512 MiB of spaces in word/styles.xml, about 500 KiB on disk; word/document.xml is tiny.
    const bomb = await makeRawDocx(documentXml(["x"]), [
      { name: "word/styles.xml", run: { byte: 0x20, size: 512 * 1024 * 1024 } },
    ]);
    expect(bomb.length).toBeLessThan(600 * 1024);
    const error = await failure(extractText("docx", bomb));
    expect(error).toBeInstanceOf(UnreadableDocumentError);
    expect((error as Error).message).toBe("The DOCX file is too large once decompressed");
  });

  it("fails a DOCX whose header understates how far a part inflates", async () => {
    const liar = await makeRawDocx(documentXml(["x"]), [
      {
        name: "word/styles.xml",
        run: { byte: 0x20, size: MAX_DOCX_INFLATED_BYTES + 1024 * 1024 },
        declaredSize: 1024,
      },
    ]);
    const error = await failure(extractText("docx", liar));
    expect(error).toBeInstanceOf(UnreadableDocumentError);
  });

  it("reads no more than the page limit of a PDF", async () => {
    const pages = Array.from({ length: MAX_PDF_PAGES + 3 }, (_, i) => [
      `page ${i + 1} of the deal`,
    ]);
    const pdf = await makePdf(pages);
    const text = await extractText("pdf", Buffer.from(pdf));
    expect(text).toContain("page 1 of the deal");
    expect(text).toContain(`page ${MAX_PDF_PAGES} of the deal`);
    expect(text).not.toContain(`page ${MAX_PDF_PAGES + 1} of the deal`);
  });

  it("answers a document that outgrows the worker's heap as too large, and reads the next one in a fresh worker", async () => {
    const small = pool({ maxHeapMb: 64 });
    // About 35 MiB of XML, under the inflate limit, whose million paragraphs mammoth holds as a DOM.
    const heavy = await makeRawDocx(documentXml({ repeat: "clause", times: 1_000_000 }));
    expect(await small.run({ job: "extract", kind: "docx", data: heavy })).toEqual({
      ok: false,
      unreadable: true,
      message: TOO_LARGE,
    });
    const docx = await makeRawDocx(documentXml(["still here"]));
    expect(await small.run({ job: "extract", kind: "docx", data: docx })).toEqual({
      ok: true,
      text: "still here",
    });
  });

  it("answers a document that passes the deadline as too slow", async () => {
    const hurried = pool({ deadlineMs: 1 });
    const pdf = await makePdf([["anything"]]);
    expect(await hurried.run({ job: "extract", kind: "pdf", data: pdf })).toEqual({
      ok: false,
      unreadable: true,
      message: TOO_SLOW,
    });
  });
});
