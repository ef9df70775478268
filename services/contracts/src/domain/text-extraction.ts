import { ExtractionPool, type ExtractionRequest } from "./extraction.pool.js";

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

/** PDF and DOCX are read in worker threads (`extraction.pool.ts`), one pool per process. */
let pool: ExtractionPool | undefined;

async function inWorker(request: ExtractionRequest): Promise<string> {
  pool ??= new ExtractionPool();
  const reply = await pool.run(request);
  if (reply.ok) return reply.text;
  if (reply.unreadable) throw new UnreadableDocumentError(request.kind, reply.message);
  throw new Error(reply.message);
}

/** Opens a PDF far enough to know it is readable (its cross-reference table and page count). */
export async function checkPdf(data: Uint8Array): Promise<void> {
  await inWorker({ job: "check", kind: "pdf", data });
}

/** Plain text as sent, without a byte order mark. */
export function plainText(data: Buffer): string {
  return new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(data);
}

/**
 * The text of a document: pdf.js for PDF, mammoth for DOCX (both in a worker thread, with a
 * deadline and a bounded heap), plain text as it is.
 */
export async function extractText(kind: DocumentKind, data: Buffer): Promise<string> {
  const text = kind === "text" ? plainText(data) : await inWorker({ job: "extract", kind, data });
  // Postgres text cannot hold NUL characters, which some PDFs' text layers contain.
  return text.replaceAll("\u0000", "");
}
