import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileTypeFromFile } from "file-type";
import yauzl from "yauzl";
import { AppError } from "@clment/http";
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
/** A DOCX whose main part inflates past this is refused rather than read (a zip bomb). */
const MAX_DOCX_XML_BYTES = 256 * 1024 * 1024;

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

/** Whether a zip is a Word document: it has `word/document.xml` of a sane inflated size. */
function checkDocx(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: true }, (openError, zip) => {
      if (openError || !zip) {
        reject(unreadable("The DOCX file is corrupt: its zip directory cannot be read"));
        return;
      }
      let found = false;
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName === "word/document.xml") {
          found = true;
          if (entry.uncompressedSize > MAX_DOCX_XML_BYTES) {
            zip.close();
            reject(unreadable("The DOCX file is too large once decompressed"));
            return;
          }
        }
        zip.readEntry();
      });
      zip.on("end", () =>
        found ? resolve() : reject(unreadable("The DOCX file has no document body")),
      );
      zip.on("error", () => reject(unreadable("The DOCX file is corrupt")));
      zip.readEntry();
    });
  });
}

/**
 * Decides what an uploaded file is by its content, never by its name or the client's
 * Content-Type: PDF and DOCX by their magic bytes (and a check that they can be opened), plain
 * text by being UTF-8. Anything else is 415; a PDF or DOCX that cannot be read is 400.
 */
export async function inspectDocument(path: string, size: number): Promise<InspectedDocument> {
  if (size === 0) throw unreadable("The file is empty");
  const detected = await fileTypeFromFile(path);
  let kind: DocumentKind;
  if (!detected) {
    if (!(await isPlainText(path))) throw unsupported();
    kind = "text";
  } else if (detected.ext === "pdf") {
    try {
      await checkPdf(await readFile(path));
    } catch (error) {
      if (error instanceof UnreadableDocumentError) throw unreadable(error.message);
      throw error;
    }
    kind = "pdf";
  } else if (detected.ext === "docx") {
    await checkDocx(path);
    kind = "docx";
  } else {
    throw unsupported(detected.ext.toUpperCase());
  }
  return { kind, mimeType: MIME_TYPES[kind], extension: EXTENSIONS[kind] };
}
