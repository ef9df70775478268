import type { IncomingMessage } from "node:http";
import {
  CSRF_HEADER,
  CSRF_SAFE_METHODS,
  isWellFormedSessionToken,
  type BearerCredential,
  type SessionCookies,
} from "@clment/auth";
import { AppError } from "@clment/http";

const NOT_A_SESSION = "The session cookie does not hold a valid session token";
const OTHER_ORIGIN =
  "Cross-origin request refused: a request authenticated by the session cookie must come from this region's own origin (Origin or Referer)";
const BAD_CSRF =
  "Missing or invalid X-CSRF-Token header: a state-changing request authenticated by the session cookie must echo the CSRF cookie";

/**
 * The console's session cookie (its value: `token`) as the credential of a request that has no
 * `Authorization` header (the caller checks that; Bearer always wins). A cookie that does not
 * hold a session token (an API key, say) is 401: API keys never authenticate from a cookie. Any
 * method but GET, HEAD and OPTIONS must also come from the region's origin and carry the
 * session's CSRF token, or it is 403, before any store is asked.
 */
export function sessionCookieCredential(
  req: IncomingMessage,
  token: string,
  cookies: SessionCookies,
): BearerCredential {
  if (!isWellFormedSessionToken(token)) throw new AppError("UNAUTHORIZED", NOT_A_SESSION);
  if (!CSRF_SAFE_METHODS.has(req.method ?? "")) {
    if (!cookies.isSameOrigin(req.headers)) throw new AppError("FORBIDDEN", OTHER_ORIGIN);
    if (!cookies.csrfMatches(token, req.headers[CSRF_HEADER])) {
      throw new AppError("FORBIDDEN", BAD_CSRF);
    }
  }
  return { kind: "session", token };
}
