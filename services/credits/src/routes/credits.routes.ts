import { Router } from "express";
import { identityOf } from "@clment/auth";
import type { BillingService } from "../domain/billing.service.js";
import { periodView } from "../domain/period.js";

/** `GET /v1/credits`: the balance any key or signed-in user may read. */
export function creditsRoutes(billing: BillingService): Router {
  const router = Router();
  router.get("/v1/credits", async (_req, res) => {
    const overview = await billing.overview(identityOf(res.locals));
    res.json({
      data: {
        balance: overview.balance,
        period: periodView(overview.period),
        pricing: overview.pricing,
        plan: overview.plan,
      },
    });
  });
  return router;
}
