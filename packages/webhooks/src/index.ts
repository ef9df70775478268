/**
 * Standard Webhooks (https://www.standardwebhooks.com) signing and verification.
 *
 * A message is signed as `base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>"))`,
 * where the key is the base64-decoded part of the secret after `whsec_`. The
 * `webhook-signature` header holds one or more space-separated `v1,<signature>` entries (two
 * while a secret is being rotated); a receiver accepts the message if any of them matches.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const WEBHOOK_SECRET_PREFIX = "whsec_";
/** A receiver refuses a message whose timestamp is further than this from its clock. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export interface WebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/** A new secret: `whsec_` and the base64 of `bytes` random bytes (24 at least). */
export function generateWebhookSecret(bytes = 32): string {
  if (bytes < 24) throw new RangeError("a webhook secret needs at least 24 random bytes");
  return WEBHOOK_SECRET_PREFIX + randomBytes(bytes).toString("base64");
}

/** The HMAC key of a secret: the base64 after `whsec_` (a bare base64 secret works too). */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX)
    ? secret.slice(WEBHOOK_SECRET_PREFIX.length)
    : secret;
  const key = Buffer.from(encoded, "base64");
  if (key.length === 0) throw new WebhookVerificationError("The webhook secret is empty");
  return key;
}

/** The base64 signature of one message under one secret. */
export function computeSignature(
  secret: string,
  id: string,
  timestamp: number,
  body: string | Buffer,
): string {
  return createHmac("sha256", secretKey(secret))
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest("base64");
}

/**
 * The headers of a message signed with every secret in `secrets` (the current one, and the
 * previous one while a rotation overlaps). `timestamp` is in seconds since the epoch.
 */
export function signWebhook(
  secrets: string | readonly string[],
  id: string,
  timestamp: number,
  body: string | Buffer,
): WebhookHeaders {
  const all = typeof secrets === "string" ? [secrets] : secrets;
  if (all.length === 0) throw new RangeError("signWebhook needs at least one secret");
  if (!Number.isInteger(timestamp)) throw new RangeError("the timestamp is whole seconds");
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": all
      .map((secret) => `v1,${computeSignature(secret, id, timestamp, body)}`)
      .join(" "),
  };
}

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

/** Headers as Node (`req.headers`), fetch (`Headers`) or a plain object give them. */
export type IncomingHeaders =
  | { get(name: string): string | null }
  | Record<string, string | readonly string[] | undefined>
  | WebhookHeaders;

function header(headers: IncomingHeaders, name: string): string | undefined {
  if ("get" in headers && typeof headers.get === "function") {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | readonly string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value.join(" ") : (value as string | undefined);
}

export interface VerifyOptions {
  /** How far the timestamp may be from now, either way (default 300 s). */
  toleranceSeconds?: number;
  /** Now, in seconds since the epoch (for tests). */
  now?: number;
}

export interface VerifiedWebhook<T> {
  id: string;
  timestamp: number;
  payload: T;
}

/**
 * Checks a received message: the three headers are there, the timestamp is within the
 * tolerance (a replayed old message fails), and one `v1` signature matches the body exactly as
 * received (pass the raw bytes, not a re-serialized object). Returns the parsed body; throws
 * WebhookVerificationError otherwise.
 */
export function verifyWebhook<T = unknown>(
  secret: string,
  headers: IncomingHeaders,
  body: string | Buffer,
  options: VerifyOptions = {},
): VerifiedWebhook<T> {
  const id = header(headers, "webhook-id");
  const timestampText = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError(
      "Missing webhook-id, webhook-timestamp or webhook-signature",
    );
  }
  if (!/^\d+$/.test(timestampText)) {
    throw new WebhookVerificationError("Invalid webhook-timestamp");
  }
  const timestamp = Number(timestampText);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (timestamp < now - tolerance) throw new WebhookVerificationError("Message timestamp too old");
  if (timestamp > now + tolerance) throw new WebhookVerificationError("Message timestamp too new");

  const expected = Buffer.from(computeSignature(secret, id, timestamp, body), "base64");
  const matches = signatures.split(" ").some((entry) => {
    const [version, signature] = entry.split(",", 2);
    if (version !== "v1" || !signature) return false;
    const given = Buffer.from(signature, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError("No matching signature");

  const text = typeof body === "string" ? body : body.toString("utf8");
  let payload: T;
  try {
    payload = JSON.parse(text) as T;
  } catch {
    throw new WebhookVerificationError("The body is not JSON");
  }
  return { id, timestamp, payload };
}
