import type { Express, Response } from "express";
import { pipeline } from "node:stream/promises";
import { AppError, listQuery, parseInput } from "@clment/http";
import type { ContractsServices } from "../service.js";
import { readMultipart } from "./multipart.js";
import { callerOf } from "./request.js";

/** A contract's versions, newest first unless `sort=version`. */
export const versionsQuery = listQuery(["version"], {}, "-version");

/**
 * `Content-Disposition` for a download (RFC 6266): an ASCII fallback name, and the real name
 * percent-encoded in `filename*`, so quotes, line breaks or non-Latin names cannot break the
 * header or inject another.
 */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, "_") || "document";
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

function contentType(mimeType: string): string {
  return mimeType === "text/plain" ? "text/plain; charset=utf-8" : mimeType;
}

async function sendDocument(
  res: Response,
  document: Awaited<ReturnType<ContractsServices["documents"]["download"]>>,
) {
  res.status(200);
  res.setHeader("Content-Type", contentType(document.mimeType));
  res.setHeader("Content-Length", String(document.size));
  res.setHeader("Content-Disposition", contentDisposition(document.filename));
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("ETag", `"${document.sha256}"`);
  res.setHeader("Cache-Control", "private, no-cache");
  try {
    await pipeline(document.body, res);
  } catch (error) {
    // The client went away mid-download: nothing to answer.
    if ((error as { code?: string }).code === "ERR_STREAM_PREMATURE_CLOSE") return;
    throw error;
  }
}

export function documentRoutes(
  app: Express,
  { contracts, documents, blobs, app: shared }: ContractsServices,
) {
  app.put("/v1/contracts/:id/document", async (req, res) => {
    const identity = callerOf(res);
    // An unknown contract is 404 before a byte of the upload is stored.
    await contracts.get(identity, req.params.id);
    const form = await readMultipart(req, res, {
      stagingDir: blobs.stagingDir,
      maxFileBytes: shared.settings.maxUploadBytes,
    });
    try {
      if (!form.file) {
        throw new AppError(
          "VALIDATION_ERROR",
          'Send the document in a multipart part named "file"',
          [{ path: "body.file", message: "is required" }],
        );
      }
      res
        .status(201)
        .json({ data: await documents.addVersion(identity, req.params.id, form.file) });
    } finally {
      await form.file?.discard();
    }
  });

  app.get("/v1/contracts/:id/versions", async (req, res) => {
    const { sort, ...page } = parseInput(versionsQuery, req.query, "query");
    res.json({ data: await documents.versions(callerOf(res), req.params.id, sort, page) });
  });

  app.get("/v1/contracts/:id/document", async (req, res) => {
    await sendDocument(res, await documents.download(callerOf(res), req.params.id));
  });

  app.get("/v1/contracts/:id/text", async (req, res) => {
    res.json({ data: { text: await documents.text(callerOf(res), req.params.id) } });
  });
}
