import { Router } from "express";
import { SSO_BINDING_HEADER, type SessionCookies } from "@clment/auth";
import { parseInput } from "@clment/http";
import { z } from "zod";
import { SSO_LOGIN_TTL_MS, type SsoLoginService } from "../domain/sso-login.service.js";
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
 *
 * The start binds the sign-in to the browser with a cookie (`SessionCookies.issueSsoBinding`);
 * the gateway hands that cookie's value to the callback as `X-Clment-SSO-Binding` (and drops any
 * client-sent one). The callback clears the cookie whatever its outcome.
 */
export function ssoLoginRoutes(ssoLogin: SsoLoginService, cookies: SessionCookies): Router {
  const router = Router();
  router.get("/v1/auth/sso/start", async (req, res) => {
    const query = parseInput(ssoStartQuery, req.query, "query");
    const { authorizationUrl, binding } = await ssoLogin.start(query, requestIdOf(res));
    res.append("Set-Cookie", cookies.issueSsoBinding(binding, SSO_LOGIN_TTL_MS / 1000));
    res.set("Cache-Control", "no-store");
    res.json({ data: { authorizationUrl } });
  });
  router.get("/v1/auth/sso/callback", async (req, res) => {
    res.append("Set-Cookie", cookies.clearSsoBinding());
    res.set("Cache-Control", "no-store");
    const query = parseInput(ssoCallbackQuery, req.query, "query");
    const passed = Object.fromEntries(
      Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const binding = req.headers[SSO_BINDING_HEADER];
    const signedIn = await ssoLogin.callback(
      passed,
      typeof binding === "string" ? binding : undefined,
      requestIdOf(res),
    );
    setSessionCookies(req, res, cookies, signedIn.session);
    res.json({ data: signedIn });
  });
  return router;
}
