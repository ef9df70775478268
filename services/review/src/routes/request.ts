import type { Response } from "express";
import { identityOf, type Identity } from "@clment/auth";
import { z } from "zod";
import type { Download } from "../domain/document.views.js";

/** The caller, as the gateway vouched for it. */
export function callerOf(res: Response): Identity {
  return identityOf(res.locals);
}

export const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a UUID")
  .transform((value) => value.toLowerCase());

/**
 * `Content-Disposition` for a download (RFC 6266): an ASCII fallback name, and the real name
 * percent-encoded in `filename*`, so quotes, line breaks or non-Latin names cannot break the
 * header.
 */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, "_") || "document";
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Sends a generated document: its bytes, type and name; no envelope. */
export function sendDownload(res: Response, download: Download): void {
  res.status(200);
  res.setHeader("Content-Type", download.mimeType);
  res.setHeader("Content-Length", String(download.content.length));
  res.setHeader("Content-Disposition", contentDisposition(download.filename));
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("ETag", `"${download.sha256}"`);
  res.setHeader("Cache-Control", "private, no-cache");
  res.end(download.content);
}
