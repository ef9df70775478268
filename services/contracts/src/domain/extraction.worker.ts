import { parentPort } from "node:worker_threads";
import { readDocxText, readPdfCheck, readPdfText } from "./document.readers.js";
import { READY, type ExtractionReply, type ExtractionRequest } from "./extraction.pool.js";
import { UnreadableDocumentError } from "./text-extraction.js";

/**
 * An extraction worker thread: reads one document at a time for `ExtractionPool`, which bounds
 * its heap and its time and replaces it when it dies.
 */
async function handle(request: ExtractionRequest): Promise<ExtractionReply> {
  try {
    const data = Buffer.from(request.data.buffer, request.data.byteOffset, request.data.byteLength);
    if (request.job === "check") {
      await readPdfCheck(data);
      return { ok: true, text: "" };
    }
    const text = request.kind === "pdf" ? await readPdfText(data) : await readDocxText(data);
    return { ok: true, text };
  } catch (error) {
    if (error instanceof UnreadableDocumentError) {
      return { ok: false, unreadable: true, message: error.message };
    }
    return { ok: false, unreadable: false, message: "The document could not be read" };
  }
}

parentPort?.on("message", (request: ExtractionRequest) => {
  void handle(request).then((reply) => parentPort?.postMessage(reply));
});
parentPort?.postMessage(READY);
