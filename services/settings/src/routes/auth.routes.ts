import { Router } from "express";
import { identityOf, type SessionCookies } from "@clment/auth";
import { parseInput } from "@clment/http";
import { z } from "zod";
import type { AuthService } from "../domain/auth.service.js";
import { email, personName, requestIdOf } from "./request.js";
import { clearSessionCookies, setSessionCookies } from "./session-cookie.js";

/** Long enough to resist guessing, short enough to hash quickly; any characters. */
const newPassword = z.string().min(8, "must be at least 8 characters").max(256);

export const signupBody = z.strictObject({
  organizationName: z.string().trim().min(1).max(200),
  name: personName,
  email,
  password: newPassword,
});

/** No format rules at login: a badly formed email is just a wrong one (401). */
export const loginBody = z.strictObject({
  email: z.string().trim().toLowerCase().min(1).max(254),
  password: z.string().min(1).max(256),
});

export const acceptInviteBody = z.strictObject({
  token: z.string().min(1).max(200),
  name: personName,
  password: newPassword,
});

/**
 * Sign-up, login and invite acceptance: reached without an identity (mounted before the check).
 * With `X-Clment-Session: cookie` the session is also set as the console's cookies.
 */
export function publicAuthRoutes(auth: AuthService, cookies: SessionCookies): Router {
  const router = Router();
  router.post("/v1/auth/signup", async (req, res) => {
    const body = parseInput(signupBody, req.body, "body");
    const signedUp = await auth.signup(body, requestIdOf(res));
    setSessionCookies(req, res, cookies, signedUp.session);
    res.status(201).json({ data: signedUp });
  });
  router.post("/v1/auth/login", async (req, res) => {
    const body = parseInput(loginBody, req.body, "body");
    const signedIn = await auth.login(body, requestIdOf(res));
    setSessionCookies(req, res, cookies, signedIn.session);
    res.json({ data: signedIn });
  });
  router.post("/v1/auth/accept-invite", async (req, res) => {
    const body = parseInput(acceptInviteBody, req.body, "body");
    const signedIn = await auth.acceptInvite(body, requestIdOf(res));
    setSessionCookies(req, res, cookies, signedIn.session);
    res.json({ data: signedIn });
  });
  return router;
}

/** Logout and `me`: for any key or session the gateway vouched for. */
export function authRoutes(auth: AuthService, cookies: SessionCookies): Router {
  const router = Router();
  router.post("/v1/auth/logout", async (req, res) => {
    await auth.logout(identityOf(res.locals), requestIdOf(res));
    clearSessionCookies(req, res, cookies);
    res.json({ data: { loggedOut: true } });
  });
  router.get("/v1/me", async (_req, res) => {
    res.json({ data: await auth.me(identityOf(res.locals)) });
  });
  return router;
}
