import { Router } from "express";
import type { SessionCookies } from "@clment/auth";
import { parseInput } from "@clment/http";
import { z } from "zod";
import type { SsoLoginService } from "../domain/sso-login.service.js";
import { email, requestIdOf } from "./request.js";
import { setSessionCookies } from "./session-cookie.js";

export const ssoStartQuery = z
  .strictObject({
    email: email.optional().describe("Finds the organization whose SSO allows this domain"),
    organizationId: z.uuid().optional().describe("Or the organization, named explicitly"),
  })
  .refine((query) => query.email !== undefined || query.organizationId !== undefined, {
    message: "email or organizationId is required",
  });

const param = z.string().max(4096);

/** The query the provider redirected the browser with, handed on by the console. */
export const ssoCallbackQuery = z.object({
  state: z.string().min(1).max(512),
  code: param.optional(),
  iss: param.optional().describe("The issuer (RFC 9207), when the provider sends it"),
  error: param.optional(),
  error_description: param.optional(),
});

/**
 * Single sign-on: reached without an identity (mounted before the check), like login; the
 * callback sets the console's cookies on `X-Clment-Session: cookie`, as login does.
 */
export function ssoLoginRoutes(ssoLogin: SsoLoginService, cookies: SessionCookies): Router {
  const router = Router();
  router.get("/v1/auth/sso/start", async (req, res) => {
    const query = parseInput(ssoStartQuery, req.query, "query");
    res.json({ data: { authorizationUrl: await ssoLogin.start(query) } });
  });
  router.get("/v1/auth/sso/callback", async (req, res) => {
    const query = parseInput(ssoCallbackQuery, req.query, "query");
    const passed = Object.fromEntries(
      Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const signedIn = await ssoLogin.callback(passed, requestIdOf(res));
    setSessionCookies(req, res, cookies, signedIn.session);
    res.json({ data: signedIn });
  });
  return router;
}
