/**
 * The console talks only to the public API of its own origin (`/v1/...`). Its session is a pair
 * of cookies the API sets when asked to (`X-Clment-Session: cookie`, sent on every request): an
 * HttpOnly session cookie that no script here can read, and a readable CSRF cookie echoed in
 * `X-CSRF-Token` on every state-changing request. The page keeps no token anywhere (no memory,
 * localStorage, sessionStorage or readable cookie holds it), and a reload stays signed in:
 * `GET /v1/me` tells whether the cookie's session is alive. See README.md for the design.
 */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The CSRF cookie: `__Host-clment_csrf` on https, `clment_csrf_<port>` over local http. */
function csrfToken(): string | undefined {
  const { protocol, port } = window.location;
  const name = protocol === "https:" ? "__Host-clment_csrf=" : `clment_csrf_${port || "80"}=`;
  for (const part of document.cookie.split(";")) {
    const pair = part.trim();
    if (pair.startsWith(name)) return pair.slice(name.length);
  }
  return undefined;
}

let sessionEnded: (() => void) | undefined;

/** Registers what happens when the API answers 401: the session expired or was revoked. */
export function onSessionEnded(listener: (() => void) | undefined): void {
  sessionEnded = listener;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** On validation errors: which input (`body.url`) and what is wrong with it. */
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {
    Accept: "application/json",
    "X-Clment-Session": "cookie",
  };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const csrf = SAFE_METHODS.has(method) ? undefined : csrfToken();
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  if (response.status === 401) sessionEnded?.();
  const json = (await response.json().catch(() => null)) as {
    data?: T;
    error?: { code: string; message: string; details?: { path: string; message: string }[] };
  } | null;
  if (!response.ok || !json || json.data === undefined) {
    throw new ApiError(
      response.status,
      json?.error?.code ?? "ERROR",
      json?.error?.message ?? `The request failed (${response.status})`,
      json?.error?.details,
    );
  }
  return json.data;
}

export type Role = "owner" | "admin" | "member";

export interface Me {
  organization: { id: string; name: string; region: string; baseUrl: string };
  principal:
    | { type: "user"; id: string; email: string; role: Role }
    | { type: "api_key"; id: string; label: string };
}

export interface Session {
  token: string;
  expiresAt: string;
}

export interface ApiKey {
  id: string;
  label: string;
  prefix: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface Member {
  id: string;
  email: string;
  name: string;
  role: Role;
  status: "invited" | "active";
  createdAt: string;
  joinedAt: string | null;
}

export interface Balance {
  total: number;
  allowance: number;
  packs: number;
}

export interface CreditPack {
  id: string;
  size: number;
  remaining: number;
  purchasedAt: string;
  expiresAt: string;
}

export interface Billing {
  plan: string;
  monthlyAllowance: number;
  period: { start: string; end: string };
  allowance: { granted: number; remaining: number };
  packs: CreditPack[];
  balance: Balance;
  /** The plans PUT /v1/settings/billing/plan accepts, with their monthly credits. */
  availablePlans: Plan[];
  /** The pack sizes POST /v1/settings/billing/credit-packs accepts. */
  packSizes: number[];
  packValidityMonths: number;
}

export interface Plan {
  id: string;
  name: string;
  monthlyAllowance: number;
}

export interface LedgerEntry {
  id: string;
  kind: string;
  amount: number;
  balanceChange: number;
  bucket: string | null;
  operation: string | null;
  createdAt: string;
}

export const WEBHOOK_EVENTS = [
  "contract.created",
  "contract.updated",
  "contract.deleted",
  "review.completed",
  "review.failed",
  "redline.completed",
  "conversion.completed",
  "key_date.reminder",
  "credits.low",
  "credits.exhausted",
] as const;

export interface Webhook {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  /** Until when the secret before the last rotation still signs deliveries too. */
  previousSecretExpiresAt: string | null;
  createdAt: string;
}

export interface Delivery {
  id: string;
  eventType: string;
  status: "pending" | "succeeded" | "failed";
  attemptCount: number;
  statusCode: number | null;
  error: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface AuditEntry {
  id: string;
  action: string;
  actor: { type: string; id: string };
  target: { type: string; id: string } | null;
  createdAt: string;
}

export interface Organization {
  id: string;
  name: string;
  region: string;
  timezone: string;
  baseUrl: string;
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return "—";
  return new Date(value).toLocaleString();
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
