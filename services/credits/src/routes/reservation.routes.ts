import { Router } from "express";
import { CREDIT_OPERATIONS, CREDITS_INTERNAL_ROUTES } from "@clment/credits-client";
import { parseInput } from "@clment/http";
import { z } from "zod";
import type { ReservationService } from "../domain/reservation.service.js";
import { assertActingFor, idParam, servicesOnly, uuid } from "./request.js";
import { reservationView } from "./views.js";

const reserveBody = z.strictObject({
  organizationId: uuid,
  amount: z.number().int().min(1).max(1_000_000),
  operation: z.enum(CREDIT_OPERATIONS),
  resourceId: z.string().min(1).max(255),
  idempotencyKey: z.string().min(1).max(255),
  ttlSeconds: z.number().int().min(1).max(86_400).optional(),
});

const organizationBody = z.strictObject({ organizationId: uuid });

/** The internal reservation API other services call through @clment/credits-client. */
export function reservationRoutes(reservations: ReservationService): Router {
  const router = Router();
  router.use("/internal/v1/credits", servicesOnly);
  router.post(CREDITS_INTERNAL_ROUTES.reserve, async (req, res) => {
    const input = parseInput(reserveBody, req.body, "body");
    assertActingFor(res, input.organizationId);
    const { reservation, created } = await reservations.reserve(input);
    res.status(created ? 201 : 200).json({ data: { reservation: reservationView(reservation) } });
  });
  router.post(CREDITS_INTERNAL_ROUTES.capture, async (req, res) => {
    const id = idParam(req, "Reservation");
    const { organizationId } = parseInput(organizationBody, req.body, "body");
    assertActingFor(res, organizationId);
    const reservation = await reservations.capture(organizationId, id);
    res.json({ data: { reservation: reservationView(reservation) } });
  });
  router.post(CREDITS_INTERNAL_ROUTES.release, async (req, res) => {
    const id = idParam(req, "Reservation");
    const { organizationId } = parseInput(organizationBody, req.body, "body");
    assertActingFor(res, organizationId);
    const reservation = await reservations.release(organizationId, id);
    res.json({ data: { reservation: reservationView(reservation) } });
  });
  return router;
}
