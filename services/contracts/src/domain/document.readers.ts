import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import mammoth from "mammoth";
import type * as PdfJsModule from "pdfjs-dist/legacy/build/pdf.mjs";
import { checkDocxArchive } from "./docx.archive.js";
import { UnreadableDocumentError } from "./text-extraction.js";

/**
 * The readers of PDF and DOCX content. They run only in an extraction worker thread
 * (`extraction.worker.ts`), never on the service's event loop: a hostile file may cost them
 * time and memory, and the worker's limits bound both.
 */

/** Pages of a PDF that are read; the text of any further pages is left out. */
export const MAX_PDF_PAGES = 2_000;
/** Characters of text kept from one document; the rest is cut off. */
export const MAX_TEXT_CHARS = 10_000_000;

const require = createRequire(import.meta.url);
/** pdf.js wants its standard fonts as a directory URL ending in a slash. */
const STANDARD_FONTS = `${join(dirname(require.resolve("pdfjs-dist/package.json")), "standard_fonts")}/`;

type PdfJs = typeof PdfJsModule;
let pdfjs: Promise<PdfJs> | undefined;

function loadPdfJs(): Promise<PdfJs> {
  // The legacy build runs on Node 20; loaded on first use, once per worker.
  pdfjs ??= import("pdfjs-dist/legacy/build/pdf.mjs");
  return pdfjs;
}

async function openPdf(data: Uint8Array) {
  const { getDocument, VerbosityLevel } = await loadPdfJs();
  const task = getDocument({
    // pdf.js takes ownership of the buffer it is given; hand it a copy.
    data: new Uint8Array(data),
    disableFontFace: true,
    useSystemFonts: false,
    standardFontDataUrl: STANDARD_FONTS,
    verbosity: VerbosityLevel.ERRORS,
  });
  try {
    return await task.promise;
  } catch (error) {
    await task.destroy().catch(() => undefined);
    const name = (error as { name?: string }).name;
    throw new UnreadableDocumentError(
      "pdf",
      name === "PasswordException"
        ? "The PDF is password-protected"
        : "The file is not a readable PDF",
    );
  }
}

/** Opens a PDF far enough to know it is readable (its cross-reference table and page count). */
export async function readPdfCheck(data: Uint8Array): Promise<void> {
  const pdf = await openPdf(data);
  try {
    if (pdf.numPages < 1) throw new UnreadableDocumentError("pdf", "The PDF has no pages");
  } finally {
    await pdf.destroy();
  }
}

/** The text of the first `MAX_PDF_PAGES` pages, cut at `MAX_TEXT_CHARS` characters. */
export async function readPdfText(data: Uint8Array): Promise<string> {
  const pdf = await openPdf(data);
  try {
    const pages: string[] = [];
    let length = 0;
    const last = Math.min(pdf.numPages, MAX_PDF_PAGES);
    for (let number = 1; number <= last && length < MAX_TEXT_CHARS; number++) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      let text = "";
      for (const item of content.items) {
        if (!("str" in item)) continue;
        text += item.str;
        if (item.hasEOL) text += "\n";
        if (text.length > MAX_TEXT_CHARS) break;
      }
      const trimmed = text.trim();
      pages.push(trimmed);
      length += trimmed.length + 2;
      page.cleanup();
    }
    return pages.join("\n\n").slice(0, MAX_TEXT_CHARS);
  } catch (error) {
    if (error instanceof UnreadableDocumentError) throw error;
    throw new UnreadableDocumentError("pdf", "The PDF's text could not be read");
  } finally {
    await pdf.destroy();
  }
}

/**
 * The text of a DOCX. Its parts are inflated once, counted and thrown away before mammoth
 * (JSZip) is given the file, which inflates what it reads whole, without a limit of its own.
 */
export async function readDocxText(data: Buffer): Promise<string> {
  await checkDocxArchive(data);
  try {
    const result = await mammoth.extractRawText({ buffer: data });
    return result.value
      .replace(/\n{3,}/g, "\n\n")
      .trim()
      .slice(0, MAX_TEXT_CHARS);
  } catch {
    throw new UnreadableDocumentError("docx", "The DOCX file could not be read");
  }
}
