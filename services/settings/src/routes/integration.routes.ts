import { Router, type Request } from "express";
import { AppError, parseInput } from "@clment/http";
import type { IntegrationProvider } from "../data/db.js";
import {
  integrationConfigSchemas,
  isIntegrationProvider,
  type IntegrationConfigSchemas,
} from "../domain/integration.model.js";
import type { IntegrationService } from "../domain/integration.service.js";
import { callerOf } from "./request.js";

/** The `:provider` of a path; one that is not a known provider names nothing: 404. */
function providerParam(req: Request): IntegrationProvider {
  const provider = req.params.provider;
  if (!isIntegrationProvider(provider)) throw new AppError("NOT_FOUND", "Unknown integration");
  return provider;
}

export function integrationRoutes(
  integrations: IntegrationService,
  options: { allowHttp: boolean },
): Router {
  const schemas: IntegrationConfigSchemas = integrationConfigSchemas(options.allowHttp);
  const router = Router();
  router.get("/v1/settings/integrations", async (_req, res) => {
    const list = await integrations.list(callerOf(res));
    res.json({ data: { integrations: list, total: list.length } });
  });
  router.put("/v1/settings/integrations/:provider", async (req, res) => {
    const provider = providerParam(req);
    const body = parseInput(schemas[provider], req.body, "body");
    const integration = await integrations.put(callerOf(res), provider, body);
    res.json({ data: { integration } });
  });
  router.delete("/v1/settings/integrations/:provider", async (req, res) => {
    const provider = providerParam(req);
    await integrations.delete(callerOf(res), provider);
    res.json({ data: { provider, deleted: true } });
  });
  return router;
}
