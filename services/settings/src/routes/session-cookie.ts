import type { Request, Response } from "express";
import { wantsSessionCookies, type SessionCookies } from "@clment/auth";

/**
 * The console asks for its session as cookies (`X-Clment-Session: cookie`); plain API clients
 * never get one. The JSON body keeps `session: {token, expiresAt}` either way (API.md).
 */
export function setSessionCookies(
  req: Request,
  res: Response,
  cookies: SessionCookies,
  session: { token: string; expiresAt: string | Date },
): void {
  if (!wantsSessionCookies(req.headers)) return;
  res.append("Set-Cookie", cookies.issue(session));
  res.set("Cache-Control", "no-store");
}

/** On logout from the console: both cookies go (`Max-Age=0`). */
export function clearSessionCookies(req: Request, res: Response, cookies: SessionCookies): void {
  if (!wantsSessionCookies(req.headers)) return;
  res.append("Set-Cookie", cookies.clear());
  res.set("Cache-Control", "no-store");
}
