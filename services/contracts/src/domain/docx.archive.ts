import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { UnreadableDocumentError } from "./text-extraction.js";

/**
 * What a DOCX may inflate to, all its parts together. A Word document's zip holds XML that
 * mammoth parses whole, in memory; a few hundred kilobytes of deflate can inflate to gigabytes
 * (a zip bomb). Real contracts, images included, stay far below this.
 */
export const MAX_DOCX_INFLATED_BYTES = 50 * 1024 * 1024;
/** More parts than any Word document has; each one costs memory when the zip is opened. */
export const MAX_DOCX_ENTRIES = 10_000;

function refused(message: string): UnreadableDocumentError {
  return new UnreadableDocumentError("docx", message);
}

const TOO_LARGE = "The DOCX file is too large once decompressed";

type OpenCallback = (error: Error | null, zip?: yauzl.ZipFile) => void;

function openZip(source: string | Buffer, callback: OpenCallback): void {
  const options = { lazyEntries: true, autoClose: true, validateEntrySizes: true };
  if (typeof source === "string") yauzl.open(source, options, callback);
  else yauzl.fromBuffer(source, options, callback);
}

/**
 * Checks that a zip is a Word document that is safe to open: it has `word/document.xml`, and
 * every part, inflated for real (not as its header claims), adds up to at most
 * `MAX_DOCX_INFLATED_BYTES`. The parts are inflated as a stream and thrown away, so the check
 * holds no more than a chunk at a time; it stops at the first byte over the limit.
 */
export function checkDocxArchive(source: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    openZip(source, (openError, zip) => {
      if (openError || !zip) {
        reject(refused("The DOCX file is corrupt: its zip directory cannot be read"));
        return;
      }
      if (zip.entryCount > MAX_DOCX_ENTRIES) {
        zip.close();
        reject(refused("The DOCX file has too many parts"));
        return;
      }
      let settled = false;
      const fail = (error: UnreadableDocumentError) => {
        if (settled) return;
        settled = true;
        zip.close();
        reject(error);
      };
      let found = false;
      let inflated = 0;
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName === "word/document.xml") found = true;
        if (entry.fileName.endsWith("/")) {
          zip.readEntry();
          return;
        }
        // The declared size is checked first (cheap), then the real one as it inflates:
        // yauzl fails a part that inflates past what its header declared.
        if (inflated + entry.uncompressedSize > MAX_DOCX_INFLATED_BYTES) {
          fail(refused(TOO_LARGE));
          return;
        }
        zip.openReadStream(entry, (streamError, stream?: Readable) => {
          if (streamError || !stream) {
            fail(refused("The DOCX file is corrupt"));
            return;
          }
          stream.on("data", (chunk: Buffer) => {
            inflated += chunk.length;
            if (inflated > MAX_DOCX_INFLATED_BYTES) {
              stream.destroy();
              fail(refused(TOO_LARGE));
            }
          });
          stream.on("error", () => fail(refused("The DOCX file is corrupt")));
          stream.on("end", () => {
            if (!settled) zip.readEntry();
          });
        });
      });
      zip.on("end", () => {
        if (settled) return;
        settled = true;
        if (found) resolve();
        else reject(refused("The DOCX file has no document body"));
      });
      zip.on("error", () => fail(refused("The DOCX file is corrupt")));
      zip.readEntry();
    });
  });
}
