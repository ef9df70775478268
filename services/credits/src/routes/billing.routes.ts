import { Router, type RequestHandler } from "express";
import { assertSettingsAccess, identityOf } from "@clment/auth";
import { listQuery, parseInput } from "@clment/http";
import { z } from "zod";
import type { BillingService } from "../domain/billing.service.js";
import { PACK_SIZES, PLAN_IDS } from "../domain/plans.js";
import { billingView, creditPackView, ledgerEntryView } from "./views.js";

export const planBody = z.strictObject({ plan: z.enum(PLAN_IDS) });

export const packBody = z.strictObject({
  size: z.union(
    PACK_SIZES.map((size) => z.literal(size)),
    { error: `must be one of ${PACK_SIZES.join(", ")}` },
  ),
});

export const ledgerQuery = listQuery(["createdAt"], {});

/** Billing settings are for signed-in owners and admins, checked before anything is read. */
const settingsAccess: RequestHandler = (_req, res, next) => {
  assertSettingsAccess(identityOf(res.locals));
  next();
};

/** `/v1/settings/billing`: plan, credit packs and the ledger, for owners and admins. */
export function billingRoutes(billing: BillingService): Router {
  const router = Router();
  router.use("/v1/settings/billing", settingsAccess);
  router.get("/v1/settings/billing", async (_req, res) => {
    const result = await billing.billing(identityOf(res.locals));
    res.json({ data: { billing: billingView(result) } });
  });
  router.put("/v1/settings/billing/plan", async (req, res) => {
    const { plan } = parseInput(planBody, req.body, "body");
    const result = await billing.changePlan(identityOf(res.locals), plan);
    res.json({ data: { billing: billingView(result) } });
  });
  router.post("/v1/settings/billing/credit-packs", async (req, res) => {
    const { size } = parseInput(packBody, req.body, "body");
    const result = await billing.purchasePack(identityOf(res.locals), size);
    res.status(201).json({
      data: { creditPack: creditPackView(result.creditPack), balance: result.balance },
    });
  });
  router.get("/v1/settings/billing/ledger", async (req, res) => {
    const { skip, take, sort } = parseInput(ledgerQuery, req.query, "query");
    const page = await billing.ledger(identityOf(res.locals), {
      skip,
      take,
      descending: sort.descending,
    });
    res.json({ data: { entries: page.items.map(ledgerEntryView), total: page.total } });
  });
  return router;
}
