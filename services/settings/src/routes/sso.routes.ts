import { Router } from "express";
import { parseInput } from "@clment/http";
import { z } from "zod";
import { webUrl } from "../domain/integration.model.js";
import type { SsoService } from "../domain/sso.service.js";
import { callerOf } from "./request.js";

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The SSO configuration's PUT body; `issuer` must be https unless the region allows http. */
export function ssoBody(allowHttp: boolean) {
  return z.strictObject({
    issuer: webUrl(allowHttp).describe("The OIDC issuer URL (https)"),
    clientId: z.string().trim().min(1).max(512),
    clientSecret: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe(
        "Write-only; absent keeps the stored one (required the first time and whenever issuer or clientId changes)",
      ),
    enforced: z
      .boolean()
      .default(false)
      .describe("Refuse password login for everyone but owners (break-glass)"),
    allowedDomains: z
      .array(z.string().trim().toLowerCase().regex(DOMAIN, "must be a domain, e.g. example.com"))
      .max(50)
      .default([])
      .transform((domains) => [...new Set(domains)]),
  });
}

export function ssoRoutes(sso: SsoService, options: { allowHttp: boolean }): Router {
  const body = ssoBody(options.allowHttp);
  const router = Router();
  router.get("/v1/settings/sso", async (_req, res) => {
    res.json({ data: { sso: await sso.get(callerOf(res)) } });
  });
  router.put("/v1/settings/sso", async (req, res) => {
    const input = parseInput(body, req.body, "body");
    res.json({ data: { sso: await sso.put(callerOf(res), input) } });
  });
  router.delete("/v1/settings/sso", async (_req, res) => {
    await sso.delete(callerOf(res));
    res.json({ data: { deleted: true } });
  });
  return router;
}
