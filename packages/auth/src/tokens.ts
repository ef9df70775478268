import { createHash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CHECKSUM_LENGTH = 6;
const BODY_LENGTH = 32;

export const API_KEY_PREFIX = "clm_sk_live_";
export const SESSION_TOKEN_PREFIX = "clm_ses_";

function randomBase62(length: number): string {
  // Rejection sampling keeps every character equally likely.
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

function base62Fixed(value: number, length: number): string {
  let out = "";
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

function checksum(text: string): string {
  return base62Fixed(crc32(text) >>> 0, CHECKSUM_LENGTH);
}

function makeToken(prefix: string): string {
  const head = prefix + randomBase62(BODY_LENGTH - CHECKSUM_LENGTH);
  return head + checksum(head);
}

/**
 * Whether `token` has the shape `<prefix><32 base62>` and its last 6 characters are the CRC32
 * of the rest: a mistyped or made-up token is rejected without touching a store.
 */
function isWellFormed(token: string, prefix: string): boolean {
  if (token.length !== prefix.length + BODY_LENGTH || !token.startsWith(prefix)) return false;
  const body = token.slice(prefix.length);
  if (!/^[0-9A-Za-z]+$/.test(body)) return false;
  const head = token.slice(0, -CHECKSUM_LENGTH);
  return checksum(head) === token.slice(-CHECKSUM_LENGTH);
}

export function generateApiKey(): string {
  return makeToken(API_KEY_PREFIX);
}

export function generateSessionToken(): string {
  return makeToken(SESSION_TOKEN_PREFIX);
}

export function isWellFormedApiKey(token: string): boolean {
  return isWellFormed(token, API_KEY_PREFIX);
}

export function isWellFormedSessionToken(token: string): boolean {
  return isWellFormed(token, SESSION_TOKEN_PREFIX);
}

/** The displayable start of a key: enough to recognise it, far too little to use it. */
export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + 4);
}

/** Secrets are stored and looked up by SHA-256 only. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** A random URL-safe token for invites and the like. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export type CredentialKind = "api_key" | "session";

/** A well-formed credential: what kind it is by its shape, and the token itself. */
export interface BearerCredential {
  kind: CredentialKind;
  token: string;
}

/** Parses an `Authorization` header value into a well-formed credential, or null. */
export function parseBearer(header: string | undefined): BearerCredential | null {
  if (!header) return null;
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  const token = match?.[1];
  if (!token) return null;
  if (isWellFormedApiKey(token)) return { kind: "api_key", token };
  if (isWellFormedSessionToken(token)) return { kind: "session", token };
  return null;
}
