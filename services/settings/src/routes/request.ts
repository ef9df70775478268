import type { Request, RequestHandler, Response } from "express";
import { identityOf } from "@clment/auth";
import { AppError, listQuery as listQueryOf, parseInput } from "@clment/http";
import { z } from "zod";
import type { ListOptions } from "../data/list.js";
import { settingsActor, type Caller } from "../domain/caller.js";

/** The shape Postgres accepts for a uuid; anything else cannot name a row. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const uuid = z.string().regex(UUID, "must be a UUID");
/** Emails are compared and stored lower-case. */
export const email = z.string().trim().toLowerCase().max(254).pipe(z.email("must be an email"));
export const personName = z.string().trim().min(1).max(200);

export function callerOf(res: Response): Caller {
  return { identity: identityOf(res.locals), requestId: res.locals.requestId ?? null };
}

export function requestIdOf(res: Response): string | null {
  return res.locals.requestId ?? null;
}

/** The `:id` of a path. An id that is not a UUID names nothing: 404, as for another tenant's. */
export function idParam(req: Request, what: string): string {
  const id = req.params.id;
  if (typeof id !== "string" || !UUID.test(id))
    throw new AppError("NOT_FOUND", `${what} not found`);
  return id;
}

export const listQuery = listQueryOf(["createdAt"], {});

/** `skip`, `take` and `sort` (createdAt or -createdAt, newest first by default). */
export function listOptions(req: Request): ListOptions {
  const { skip, take, sort } = parseInput(listQuery, req.query, "query");
  return { skip, take, descending: sort.descending };
}

/**
 * Everything under /v1/settings is for signed-in owners and admins; anyone else is refused here,
 * before a path or body is read. The use cases check again (they never rely on a route or on
 * the gateway).
 */
export const settingsAccess: RequestHandler = (_req, res, next) => {
  settingsActor(callerOf(res));
  next();
};
