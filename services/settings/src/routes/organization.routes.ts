import { Router } from "express";
import { parseInput } from "@clment/http";
import { z } from "zod";
import type { OrganizationService } from "../domain/organization.service.js";
import { callerOf } from "./request.js";

/** The canonical name of an IANA time zone (e.g. "Europe/Paris"), or undefined. */
function canonicalTimeZone(value: string): string | undefined {
  try {
    const zone = new Intl.DateTimeFormat("en-US", { timeZone: value }).resolvedOptions().timeZone;
    // Offsets such as "+01:00" are not zones: they ignore daylight saving time.
    return /^[A-Za-z]/.test(zone) ? zone : undefined;
  } catch {
    return undefined;
  }
}

const timezone = z
  .string()
  .trim()
  .max(100)
  .transform((value, ctx) => {
    const zone = canonicalTimeZone(value);
    if (zone) return zone;
    ctx.addIssue({ code: "custom", message: "must be an IANA time zone, e.g. Europe/Paris" });
    return z.NEVER;
  });

export const updateBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    timezone: timezone.optional(),
  })
  .refine((body) => body.name !== undefined || body.timezone !== undefined, {
    message: "send name, timezone or both",
  });

export function organizationRoutes(organizations: OrganizationService): Router {
  const router = Router();
  router.get("/v1/settings/organization", async (_req, res) => {
    res.json({ data: { organization: await organizations.get(callerOf(res)) } });
  });
  router.patch("/v1/settings/organization", async (req, res) => {
    const body = parseInput(updateBody, req.body, "body");
    res.json({ data: { organization: await organizations.update(callerOf(res), body) } });
  });
  return router;
}
