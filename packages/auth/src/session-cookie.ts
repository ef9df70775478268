import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/**
 * A browser client (the admin console) opts into cookie sessions with this request header on
 * sign-up, login, invite acceptance, the SSO callback and logout; plain API clients never send
 * it and never get a cookie. A cross-site page cannot send it either (a custom header needs a
 * CORS preflight, which the gateway never grants), so it also keeps login CSRF out.
 */
export const SESSION_MODE_HEADER = "x-clment-session";
export const SESSION_MODE_COOKIE = "cookie";
/** The header a cookie-authenticated state-changing request echoes the CSRF cookie in. */
export const CSRF_HEADER = "x-csrf-token";

/**
 * The header the gateway hands settings the SSO binding cookie's value in, on
 * `GET /v1/auth/sso/callback` only. It never comes from a client: the gateway deletes any
 * client-sent one on every request.
 */
export const SSO_BINDING_HEADER = "x-clment-sso-binding";

/** Requests a cookie alone may authenticate without the CSRF token and origin checks. */
export const CSRF_SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

const CSRF_KEY_INFO = "clment session cookie csrf v1";

export interface SessionCookieOptions {
  /** The region's public base URL: https makes the cookies `Secure` and `__Host-` prefixed. */
  publicBaseUrl: string;
  /** The region's identity secret; the CSRF key is derived from it (HKDF, a label of its own). */
  secret: string;
  /** Older secrets still accepted while the identity secret is rotated. */
  acceptedSecrets?: readonly string[];
}

/**
 * The console's session as two cookies, and the checks that go with them. Shared by settings
 * (which sets and clears them) and the gateway (which reads and checks them), so both agree on
 * names, flags and the CSRF value:
 *
 * - the session cookie holds the session token: `HttpOnly; SameSite=Strict; Path=/`, and
 *   `Secure` with the `__Host-` prefix when the region's public URL is https;
 * - the CSRF cookie is readable by the page and holds HMAC-SHA256(session token) under a key
 *   derived from the region's identity secret, so the gateway checks the echoed
 *   `X-CSRF-Token` without a store.
 *
 * A third cookie binds a single sign-on to the browser that started it (login CSRF):
 * `GET /v1/auth/sso/start` sets a random value (`HttpOnly; SameSite=Strict; Path=/`, Max-Age the
 * sign-in's life), settings keeps its SHA-256, and the callback is refused unless the browser
 * sends it back. Strict is enough: the callback is fetched by the console page at its own origin,
 * not by the provider's cross-site redirect.
 *
 * Over local http the names carry the public port (`clment_session_7100`): browsers share
 * cookies between the ports of one host, and the local regions differ only by port.
 */
export class SessionCookies {
  readonly secure: boolean;
  /** The region's public origin: the only `Origin` a cookie-authenticated write may come from. */
  readonly origin: string;
  readonly sessionName: string;
  readonly csrfName: string;
  readonly ssoBindingName: string;
  private readonly signingKey: Buffer;
  private readonly keys: readonly Buffer[];

  constructor(options: SessionCookieOptions) {
    const url = new URL(options.publicBaseUrl);
    this.secure = url.protocol === "https:";
    this.origin = url.origin;
    const suffix = this.secure ? "" : `_${url.port || "80"}`;
    this.sessionName = `${this.secure ? "__Host-" : ""}clment_session${suffix}`;
    this.csrfName = `${this.secure ? "__Host-" : ""}clment_csrf${suffix}`;
    this.ssoBindingName = `${this.secure ? "__Host-" : ""}clment_sso${suffix}`;
    const secrets = [
      options.secret,
      ...(options.acceptedSecrets ?? []).filter((s) => s !== options.secret),
    ];
    this.keys = secrets.map(csrfKey);
    this.signingKey = this.keys[0]!;
  }

  /** The CSRF value bound to a session token (base64url, 43 characters). */
  csrfToken(sessionToken: string): string {
    return hmac(this.signingKey, sessionToken).toString("base64url");
  }

  /** Whether `header` is the session's CSRF value (constant time; any accepted secret). */
  csrfMatches(sessionToken: string, header: string | string[] | undefined): boolean {
    if (typeof header !== "string" || header.length !== 43) return false;
    const given = Buffer.from(header, "base64url");
    if (given.length !== 32 || given.toString("base64url") !== header) return false;
    let matched = false;
    for (const key of this.keys) {
      if (timingSafeEqual(hmac(key, sessionToken), given)) matched = true;
    }
    return matched;
  }

  /** The `Set-Cookie` values that hold a new session until `expiresAt`. */
  issue(session: { token: string; expiresAt: string | Date }, now = Date.now()): string[] {
    const expiresAt = new Date(session.expiresAt).getTime();
    const maxAge = Math.max(0, Math.floor((expiresAt - now) / 1000));
    return [
      this.cookie(this.sessionName, session.token, maxAge, true),
      this.cookie(this.csrfName, this.csrfToken(session.token), maxAge, false),
    ];
  }

  /** The `Set-Cookie` values that remove both cookies. */
  clear(): string[] {
    return [this.cookie(this.sessionName, "", 0, true), this.cookie(this.csrfName, "", 0, false)];
  }

  /** The `Set-Cookie` value that binds a starting single sign-on to this browser. */
  issueSsoBinding(value: string, maxAgeSeconds: number): string {
    return this.cookie(this.ssoBindingName, value, Math.max(0, Math.floor(maxAgeSeconds)), true);
  }

  /** The `Set-Cookie` value that removes the single sign-on binding. */
  clearSsoBinding(): string {
    return this.cookie(this.ssoBindingName, "", 0, true);
  }

  /** The session cookie's value in a `Cookie` header (the first, if it appears twice). */
  sessionTokenOf(cookieHeader: string | undefined): string | undefined {
    return cookieValue(cookieHeader, this.sessionName);
  }

  /** The single sign-on binding cookie's value in a `Cookie` header (the first, if twice). */
  ssoBindingOf(cookieHeader: string | undefined): string | undefined {
    return cookieValue(cookieHeader, this.ssoBindingName);
  }

  /**
   * Whether a request comes from the region's own pages: its `Origin`, or when a browser sent
   * none its `Referer`'s origin, is the public origin. `Origin: null` (sandboxed frames,
   * privacy redirects) never is.
   */
  isSameOrigin(headers: IncomingHttpHeaders): boolean {
    const origin = headers.origin;
    if (origin !== undefined) return origin === this.origin;
    const referer = headers.referer;
    if (!referer) return false;
    try {
      return new URL(referer).origin === this.origin;
    } catch {
      return false;
    }
  }

  private cookie(name: string, value: string, maxAge: number, httpOnly: boolean): string {
    return (
      `${name}=${value}; Path=/; Max-Age=${maxAge}` +
      `${httpOnly ? "; HttpOnly" : ""}${this.secure ? "; Secure" : ""}; SameSite=Strict`
    );
  }
}

function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  const wanted = `${name}=`;
  for (const part of cookieHeader.split(";")) {
    const pair = part.trim();
    if (pair.startsWith(wanted)) return pair.slice(wanted.length);
  }
  return undefined;
}

function csrfKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "", CSRF_KEY_INFO, 32));
}

function hmac(key: Buffer, value: string): Buffer {
  return createHmac("sha256", key).update(value).digest();
}

/** Whether a request asked for its session as cookies (the `X-Clment-Session: cookie` header). */
export function wantsSessionCookies(headers: IncomingHttpHeaders): boolean {
  const mode = headers[SESSION_MODE_HEADER];
  return typeof mode === "string" && mode.trim().toLowerCase() === SESSION_MODE_COOKIE;
}
