import { Router } from "express";
import { parseInput } from "@clment/http";
import { z } from "zod";
import { API_KEY_EXPIRY_DAYS } from "../config.js";
import type { ApiKeyService } from "../domain/api-key.service.js";
import { callerOf, idParam, listOptions } from "./request.js";

export const createBody = z.strictObject({
  label: z.string().trim().min(1).max(100),
  expiresInDays: z
    .union(
      API_KEY_EXPIRY_DAYS.map((days) => z.literal(days)),
      {
        error: `must be one of ${API_KEY_EXPIRY_DAYS.join(", ")}`,
      },
    )
    .optional(),
});

export function apiKeyRoutes(apiKeys: ApiKeyService): Router {
  const router = Router();
  router.get("/v1/settings/api-keys", async (req, res) => {
    res.json({ data: await apiKeys.list(callerOf(res), listOptions(req)) });
  });
  router.post("/v1/settings/api-keys", async (req, res) => {
    const body = parseInput(createBody, req.body, "body");
    // The answer carries a secret shown once: never stored for idempotent replay, never cached.
    res.set("Cache-Control", "no-store");
    res.status(201).json({ data: await apiKeys.create(callerOf(res), body) });
  });
  router.post("/v1/settings/api-keys/:id/revoke", async (req, res) => {
    const apiKey = await apiKeys.revoke(callerOf(res), idParam(req, "API key"));
    res.json({ data: { apiKey } });
  });
  return router;
}
