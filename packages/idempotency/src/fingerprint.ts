import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** JSON with object keys sorted at every level, so `{a,b}` and `{b,a}` are the same request. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, inner]) => inner !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(",")}}`;
}

export interface FingerprintInput {
  method: string;
  /** Path and query string as the service received them. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when the body was not parsed as JSON. */
  body: unknown;
}

/**
 * What makes two requests "the same request" for an Idempotency-Key: method, path with query,
 * and the body.
 *
 * - A JSON body (parsed by the service) is compared by content: the SHA-256 of its canonical
 *   form, so key order and whitespace do not matter.
 * - Any other body (multipart uploads, up to 25 MiB, streamed to the route unread) is compared
 *   by its media type without parameters and its declared length. Its bytes are not hashed:
 *   that would mean buffering every upload before the route sees it, and a multipart body's
 *   bytes change on every retry anyway (the client picks a new boundary), so a byte hash would
 *   turn honest retries into 409s.
 * - No body at all is its own case.
 */
export function requestFingerprint(input: FingerprintInput): string {
  const hash = createHash("sha256");
  hash.update(input.method.toUpperCase()).update("\n").update(input.url).update("\n");
  if (input.body !== undefined) {
    hash.update("json:").update(canonicalJson(input.body));
  } else if (hasBody(input.headers)) {
    const mediaType = (input.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    const length = input.headers["content-length"] ?? "chunked";
    hash.update(`raw:${mediaType}:${length}`);
  } else {
    hash.update("none");
  }
  return hash.digest("hex");
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers["transfer-encoding"] !== undefined) return true;
  const length = headers["content-length"];
  return length !== undefined && length !== "0";
}
