import type { Request, RequestHandler, Response } from "express";
import type { Identity } from "@clment/auth";
import { AppError } from "@clment/http";
import { z } from "zod";

/** The shape Postgres accepts for a uuid; anything else cannot name a row. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID, lower-cased: rows are keyed by Postgres's canonical (lower-case) text form. */
export const uuid = z
  .string()
  .regex(UUID, "must be a UUID")
  .transform((id) => id.toLowerCase());

/** The `:id` of a path. An id that is not a UUID names nothing: 404, as for another tenant's. */
export function idParam(req: Request, what: string): string {
  const id = req.params.id;
  if (typeof id !== "string" || !UUID.test(id))
    throw new AppError("NOT_FOUND", `${what} not found`);
  return id.toLowerCase();
}

/**
 * Internal routes answer other processes of the region only. The runtime has verified the
 * identity token already; a token of a user or key is refused here.
 */
export const servicesOnly: RequestHandler = (_req, res, next) => {
  if (res.locals.identity?.principal.type !== "service") {
    next(new AppError("UNAUTHORIZED"));
    return;
  }
  next();
};

/**
 * The organization a service acts for is the one its signed identity token names; the body
 * repeats it, and must agree (a service cannot act for another organization than it signed for).
 */
export function assertActingFor(res: Response, organizationId: string): void {
  const signed = (res.locals.identity as Identity | undefined)?.organizationId?.toLowerCase();
  if (signed !== organizationId) {
    throw new AppError(
      "FORBIDDEN",
      "organizationId must be the organization of the caller's identity token",
    );
  }
}
