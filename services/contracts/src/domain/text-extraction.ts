import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import mammoth from "mammoth";
import type * as PdfJsModule from "pdfjs-dist/legacy/build/pdf.mjs";

/** The three kinds of document the API accepts. */
export type DocumentKind = "pdf" | "docx" | "text";

export const MIME_TYPES: Record<DocumentKind, string> = {
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  text: "text/plain",
};

export function kindOfMimeType(mimeType: string): DocumentKind {
  if (mimeType === MIME_TYPES.pdf) return "pdf";
  if (mimeType === MIME_TYPES.docx) return "docx";
  return "text";
}

/** A document whose content cannot be read (corrupt, encrypted): permanent, not worth a retry. */
export class UnreadableDocumentError extends Error {
  constructor(
    readonly kind: DocumentKind,
    message: string,
  ) {
    super(message);
    this.name = "UnreadableDocumentError";
  }
}

const require = createRequire(import.meta.url);
/** pdf.js wants its standard fonts as a directory URL ending in a slash. */
const STANDARD_FONTS = `${join(dirname(require.resolve("pdfjs-dist/package.json")), "standard_fonts")}/`;

type PdfJs = typeof PdfJsModule;
let pdfjs: Promise<PdfJs> | undefined;

function loadPdfJs(): Promise<PdfJs> {
  // The legacy build runs on Node 20; loaded on first use, it costs nothing at start-up.
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
export async function checkPdf(data: Uint8Array): Promise<void> {
  const pdf = await openPdf(data);
  try {
    if (pdf.numPages < 1) throw new UnreadableDocumentError("pdf", "The PDF has no pages");
  } finally {
    await pdf.destroy();
  }
}

async function pdfText(data: Uint8Array): Promise<string> {
  const pdf = await openPdf(data);
  try {
    const pages: string[] = [];
    for (let number = 1; number <= pdf.numPages; number++) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      let text = "";
      for (const item of content.items) {
        if (!("str" in item)) continue;
        text += item.str;
        if (item.hasEOL) text += "\n";
      }
      pages.push(text.trim());
      page.cleanup();
    }
    return pages.join("\n\n");
  } catch (error) {
    if (error instanceof UnreadableDocumentError) throw error;
    throw new UnreadableDocumentError("pdf", "The PDF's text could not be read");
  } finally {
    await pdf.destroy();
  }
}

async function docxText(data: Buffer): Promise<string> {
  try {
    const result = await mammoth.extractRawText({ buffer: data });
    return result.value.replace(/\n{3,}/g, "\n\n").trim();
  } catch {
    throw new UnreadableDocumentError("docx", "The DOCX file could not be read");
  }
}

/** Plain text as sent, without a byte order mark. */
export function plainText(data: Buffer): string {
  return new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(data);
}

/** The text of a document: pdf.js for PDF, mammoth for DOCX, plain text as it is. */
export async function extractText(kind: DocumentKind, data: Buffer): Promise<string> {
  const text =
    kind === "pdf" ? await pdfText(data) : kind === "docx" ? await docxText(data) : plainText(data);
  // Postgres text cannot hold NUL characters, which some PDFs' text layers contain.
  return text.replaceAll("\u0000", "");
}
