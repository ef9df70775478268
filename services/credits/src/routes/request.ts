import type { Request, RequestHandler } from "express";
import { AppError } from "@clment/http";
import { z } from "zod";

/** The shape Postgres accepts for a uuid; anything else cannot name a row. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const uuid = z.string().regex(UUID, "must be a UUID");

/** The `:id` of a path. An id that is not a UUID names nothing: 404, as for another tenant's. */
export function idParam(req: Request, what: string): string {
  const id = req.params.id;
  if (typeof id !== "string" || !UUID.test(id))
    throw new AppError("NOT_FOUND", `${what} not found`);
  return id;
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
