import { Router, type Request } from "express";
import { AppError, parseInput } from "@clment/http";
import { z } from "zod";
import type { WebhookDeliveryService } from "../domain/webhook-delivery.service.js";
import type { WebhookEndpointService } from "../domain/webhook-endpoint.service.js";
import { WEBHOOK_EVENT_TYPES } from "../domain/webhook.model.js";
import { callerOf, idParam, listOptions, listQuery, uuid } from "./request.js";

const events = z
  .array(
    z.enum(WEBHOOK_EVENT_TYPES, {
      error: `must be one of ${WEBHOOK_EVENT_TYPES.join(", ")}`,
    }),
  )
  .min(1, "subscribe to at least one event")
  .max(WEBHOOK_EVENT_TYPES.length * 2)
  .transform((types) => [...new Set(types)]);

const url = z.string().trim().min(1).max(2048);
const description = z.string().trim().max(500);

export const createBody = z.strictObject({ url, events, description: description.optional() });

export const updateBody = z
  .strictObject({
    url: url.optional(),
    events: events.optional(),
    description: description.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: "send url, events, description or enabled",
  });

export const deliveriesQuery = listQuery.extend({
  status: z.enum(["pending", "succeeded", "failed"]).optional(),
  eventType: z.string().max(100).optional(),
});

/** The `:deliveryId` of a path; one that is not a UUID names nothing (404). */
function deliveryIdParam(req: Request): string {
  const parsed = uuid.safeParse(req.params.deliveryId);
  if (!parsed.success) throw new AppError("NOT_FOUND", "Delivery not found");
  return parsed.data;
}

export function webhookRoutes(
  webhooks: WebhookEndpointService,
  deliveries: WebhookDeliveryService,
): Router {
  const router = Router();
  const base = "/v1/settings/webhooks";

  router.get(base, async (req, res) => {
    res.json({ data: await webhooks.list(callerOf(res), listOptions(req)) });
  });
  router.post(base, async (req, res) => {
    const body = parseInput(createBody, req.body, "body");
    // The answer carries the signing secret, shown once: never stored for idempotent replay.
    res.set("Cache-Control", "no-store");
    res.status(201).json({ data: await webhooks.create(callerOf(res), body) });
  });
  router.get(`${base}/:id`, async (req, res) => {
    const webhook = await webhooks.get(callerOf(res), idParam(req, "Webhook"));
    res.json({ data: { webhook } });
  });
  router.patch(`${base}/:id`, async (req, res) => {
    const id = idParam(req, "Webhook");
    const body = parseInput(updateBody, req.body, "body");
    res.json({ data: { webhook: await webhooks.update(callerOf(res), id, body) } });
  });
  router.delete(`${base}/:id`, async (req, res) => {
    const id = idParam(req, "Webhook");
    await webhooks.delete(callerOf(res), id);
    res.json({ data: { id, deleted: true } });
  });
  router.post(`${base}/:id/rotate-secret`, async (req, res) => {
    const id = idParam(req, "Webhook");
    res.set("Cache-Control", "no-store");
    res.json({ data: await webhooks.rotateSecret(callerOf(res), id) });
  });
  router.post(`${base}/:id/test`, async (req, res) => {
    const id = idParam(req, "Webhook");
    res.status(202).json({ data: { delivery: await deliveries.sendTest(callerOf(res), id) } });
  });
  router.get(`${base}/:id/deliveries`, async (req, res) => {
    const id = idParam(req, "Webhook");
    const { skip, take, sort, ...filters } = parseInput(deliveriesQuery, req.query, "query");
    const options = { skip, take, descending: sort.descending, ...filters };
    res.json({ data: await deliveries.list(callerOf(res), id, options) });
  });
  router.get(`${base}/:id/deliveries/:deliveryId`, async (req, res) => {
    const id = idParam(req, "Webhook");
    const delivery = await deliveries.get(callerOf(res), id, deliveryIdParam(req));
    res.json({ data: { delivery } });
  });
  router.post(`${base}/:id/deliveries/:deliveryId/redeliver`, async (req, res) => {
    const id = idParam(req, "Webhook");
    const delivery = await deliveries.redeliver(callerOf(res), id, deliveryIdParam(req));
    res.status(202).json({ data: { delivery } });
  });
  return router;
}
