import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileTypeFromFile } from "file-type";
import { AppError } from "@clment/http";
import { checkDocxArchive } from "./docx.archive.js";
import {
  checkPdf,
  MIME_TYPES,
  UnreadableDocumentError,
  type DocumentKind,
} from "./text-extraction.js";

export interface InspectedDocument {
  kind: DocumentKind;
  mimeType: string;
  extension: string;
}

const EXTENSIONS: Record<DocumentKind, string> = { pdf: "pdf", docx: "docx", text: "txt" };

function unsupported(detected?: string): AppError {
  return new AppError(
    "UNSUPPORTED_MEDIA_TYPE",
    `${detected ? `A ${detected} file` : "This file"} is not supported: send a PDF, DOCX or plain text (UTF-8) document`,
  );
}

function unreadable(message: string): AppError {
  return new AppError("VALIDATION_ERROR", message, [{ path: "file", message }]);
}

/** Control characters other than tab, line feed, vertical tab, form feed and carriage return. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000e-\u001f\u007f]/;

/**
 * Plain text: valid UTF-8 without NUL or other control characters (bar tab, line breaks and
 * form feed). Read as a stream, so a large file is never held whole.
 */
async function isPlainText(path: string): Promise<boolean> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
      if (CONTROL_CHARACTERS.test(decoder.decode(chunk as Buffer, { stream: true }))) return false;
    }
    decoder.decode();
    return true;
  } catch {
    return false;
  }
}

/** PDF and DOCX checks fail with `UnreadableDocumentError`, which is the client's 400. */
async function check(opens: () => Promise<void>): Promise<void> {
  try {
    await opens();
  } catch (error) {
    if (error instanceof UnreadableDocumentError) throw unreadable(error.message);
    throw error;
  }
}

/**
 * Decides what an uploaded file is by its content, never by its name or the client's
 * Content-Type: PDF and DOCX by their magic bytes (and a check that they can be opened: a PDF in
 * an extraction worker, a DOCX by inflating every part against a limit), plain text by being
 * UTF-8. Magic bytes of other types are only a hint: some are two or three printable characters
 * ("BM", "GIF", "%!"), which a text file may well start with, so a file that is valid UTF-8
 * without control characters is text whatever its first bytes. Anything else is 415; a PDF or
 * DOCX that cannot be read is 400.
 */
export async function inspectDocument(path: string, size: number): Promise<InspectedDocument> {
  if (size === 0) throw unreadable("The file is empty");
  const detected = await fileTypeFromFile(path);
  let kind: DocumentKind;
  if (detected?.ext === "pdf") {
    await check(async () => checkPdf(await readFile(path)));
    kind = "pdf";
  } else if (detected?.ext === "docx") {
    await check(() => checkDocxArchive(path));
    kind = "docx";
  } else if (await isPlainText(path)) {
    kind = "text";
  } else {
    throw unsupported(detected?.ext.toUpperCase());
  }
  return { kind, mimeType: MIME_TYPES[kind], extension: EXTENSIONS[kind] };
}
