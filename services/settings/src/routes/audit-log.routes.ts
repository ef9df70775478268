import { Router } from "express";
import type { AuditLogService } from "../domain/audit-log.service.js";
import { callerOf, listOptions } from "./request.js";

export function auditLogRoutes(auditLog: AuditLogService): Router {
  const router = Router();
  router.get("/v1/settings/audit-log", async (req, res) => {
    res.json({ data: await auditLog.list(callerOf(res), listOptions(req)) });
  });
  return router;
}
